package dev.vigil.rounds.investigation;

import dev.vigil.rounds.Sample;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.diagnosis.InvestigationContext;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import dev.vigil.rounds.otlp.RecentTelemetry;
import dev.vigil.rounds.otlp.TraceSummary;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the {@link InvestigationContext} of a signature: its recent samples from the store, the
 * span tree of the first sample whose trace the OTLP receiver still holds, the log lines of the
 * samples' traces, and similar signatures with their latest diagnoses. Bounded: the trace summary
 * and the logs are capped here, and the prompt renderer caps the whole again.
 */
final class ContextBuilder {
  static final int MAX_TRACE_CHARS = 6_000;
  static final int MAX_LOG_LINES = 60;

  private final RecentTelemetry recent; // null when there is no OTLP receiver
  private final Path codebasePath;
  private final int samples;
  private final int similar;

  ContextBuilder(RecentTelemetry recent, Path codebasePath, int samples, int similar) {
    this.recent = recent;
    this.codebasePath = codebasePath;
    this.samples = samples;
    this.similar = similar;
  }

  InvestigationContext build(Signature s, SignatureStore store, SqliteDiagnosisStore diagnoses) {
    List<Sample> kept = store.samples(s.id());
    List<InvestigationContext.SampleRef> refs = new ArrayList<>();
    for (Sample sample : kept.subList(0, Math.min(samples, kept.size()))) {
      refs.add(new InvestigationContext.SampleRef(sample.traceId(), sample.spanId(), sample.time(), sample.message()));
    }
    String trace = "";
    List<String> logs = new ArrayList<>();
    if (recent != null) {
      Set<String> traces = new LinkedHashSet<>();
      refs.forEach(r -> {
        if (!r.traceId().isEmpty()) {
          traces.add(r.traceId());
        }
      });
      for (String traceId : traces) {
        if (trace.isEmpty()) {
          trace = TraceSummary.spanTree(recent.spans(traceId), MAX_TRACE_CHARS);
        }
        if (logs.size() < MAX_LOG_LINES) {
          logs.addAll(TraceSummary.logLines(recent.logs(traceId), MAX_LOG_LINES - logs.size()));
        }
      }
    }
    return new InvestigationContext(
        facts(s), refs, trace, String.join("\n", logs),
        similar == 0 ? List.of() : diagnoses.similar(s, similar), codebasePath);
  }

  /** The facts of a signature, as the diagnosis and notification packages take them. */
  static SignatureFacts facts(Signature s) {
    return new SignatureFacts(
        s.id(), s.fingerprint(), s.service(), s.errorType(), s.messageTemplate(), s.frames(),
        s.occurrenceCount(), s.firstSeen(), s.lastSeen());
  }
}
