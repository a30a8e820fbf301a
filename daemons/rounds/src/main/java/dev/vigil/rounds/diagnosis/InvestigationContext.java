package dev.vigil.rounds.diagnosis;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything a backend is told about one signature. The telemetry parts (sample messages, the
 * trace summary, the logs, other signatures' texts) come from production and are untrusted:
 * {@link PromptRenderer} fences them and says so in the prompt.
 *
 * @param signature the signature's facts
 * @param samples recent occurrences, newest first
 * @param traceSummary a span-tree summary of a sample's trace with the error spans' attributes,
 *     or empty when no trace was found
 * @param correlatedLogs log lines of the samples' traces, one per line, or empty
 * @param similar other signatures of the same service or type, with their latest diagnosis
 * @param codebasePath where the service's source code is (the CLI's working directory)
 */
public record InvestigationContext(
    SignatureFacts signature,
    List<SampleRef> samples,
    String traceSummary,
    String correlatedLogs,
    List<SimilarSignature> similar,
    Path codebasePath) {

  /** Checks the required parts and copies the lists. */
  public InvestigationContext {
    Objects.requireNonNull(signature, "signature");
    Objects.requireNonNull(traceSummary, "traceSummary");
    Objects.requireNonNull(correlatedLogs, "correlatedLogs");
    Objects.requireNonNull(codebasePath, "codebasePath");
    samples = List.copyOf(samples);
    similar = List.copyOf(similar);
  }

  /**
   * One recent occurrence.
   *
   * @param traceId lower-case hex, or empty
   * @param spanId lower-case hex, or empty
   * @param time when it happened
   * @param message the message as sent (untrusted)
   */
  public record SampleRef(String traceId, String spanId, Instant time, String message) {
    /** Checks the parts. */
    public SampleRef {
      Objects.requireNonNull(traceId, "traceId");
      Objects.requireNonNull(spanId, "spanId");
      Objects.requireNonNull(time, "time");
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * Another signature that looks related, with what was concluded about it.
   *
   * @param id its store id
   * @param headline its type and template
   * @param status its status name ({@code diagnosed}, {@code resolved}, ...)
   * @param rootCause its latest diagnosis' root cause, or empty
   * @param fix its latest suggested or applied fix, or empty
   */
  public record SimilarSignature(
      long id, String headline, String status, String rootCause, String fix) {
    /** Checks the parts. */
    public SimilarSignature {
      Objects.requireNonNull(headline, "headline");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(rootCause, "rootCause");
      Objects.requireNonNull(fix, "fix");
    }
  }
}
