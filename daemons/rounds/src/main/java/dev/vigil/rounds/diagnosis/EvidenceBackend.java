package dev.vigil.rounds.diagnosis;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The embedded default when no model is configured: a deterministic report of the evidence
 * (where it fails, how often, since when, the frames, the samples, the correlated logs, similar
 * signatures), confidence {@code low}, model {@code none}, cost zero, and a root cause that says
 * plainly that this is the evidence, not a diagnosis.
 */
public final class EvidenceBackend implements DiagnosisBackend {

  /** The first words of every evidence report. */
  public static final String NOT_A_DIAGNOSIS =
      "No model configured: this is the evidence, not a diagnosis.";

  private static final int MAX_LOG_LINES = 10;
  private static final int MAX_LINE_CHARS = 300;
  /** To the second: the report is read by people. */
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(java.time.ZoneOffset.UTC);

  private final Clock clock;

  /** A backend timing its (short) work on {@code clock}. */
  public EvidenceBackend(Clock clock) {
    this.clock = clock;
  }

  @Override
  public String name() {
    return "evidence";
  }

  @Override
  public boolean callsModel() {
    return false;
  }

  @Override
  public Diagnosis diagnose(InvestigationContext ctx) {
    Instant start = clock.instant();
    SignatureFacts s = ctx.signature();
    String where = s.frames().isEmpty() ? "no in-application frame" : s.frames().get(0);
    String rootCause =
        NOT_A_DIAGNOSIS + " " + s.headline() + " in service " + s.service() + ", at " + where
            + "; " + s.occurrenceCount() + " occurrence" + (s.occurrenceCount() == 1 ? "" : "s")
            + " since " + TIME.format(s.firstSeen()) + " (last " + TIME.format(s.lastSeen()) + ").";
    List<String> evidence = new ArrayList<>();
    evidence.add("where: " + s.service() + ", " + s.headline());
    evidence.add(
        "how often: " + s.occurrenceCount() + " between " + TIME.format(s.firstSeen()) + " and "
            + TIME.format(s.lastSeen()) + rate(s));
    if (s.frames().isEmpty()) {
      evidence.add("frames: none in the application (no stack trace, or only library frames)");
    } else {
      evidence.add("frames (innermost first): " + String.join(" <- ", s.frames()));
    }
    for (InvestigationContext.SampleRef r : ctx.samples().subList(0, Math.min(5, ctx.samples().size()))) {
      evidence.add(
          "sample " + TIME.format(r.time()) + (r.traceId().isEmpty() ? "" : " trace " + r.traceId())
              + (r.spanId().isEmpty() ? "" : " span " + r.spanId()) + ": " + line(r.message()));
    }
    if (!ctx.traceSummary().isBlank()) {
      evidence.add("trace: " + line(ctx.traceSummary().lines().findFirst().orElse("")));
    }
    List<String> logs = ctx.correlatedLogs().lines().filter(l -> !l.isBlank()).toList();
    for (String l : logs.subList(0, Math.min(MAX_LOG_LINES, logs.size()))) {
      evidence.add("log: " + line(l));
    }
    if (logs.size() > MAX_LOG_LINES) {
      evidence.add("log: ... " + (logs.size() - MAX_LOG_LINES) + " more correlated lines");
    }
    if (logs.isEmpty()) {
      evidence.add("logs: no log lines correlated with the samples' traces");
    }
    for (InvestigationContext.SimilarSignature o : ctx.similar()) {
      evidence.add(
          "similar: #" + o.id() + " [" + o.status() + "] " + line(o.headline())
              + (o.rootCause().isEmpty() ? "" : "; root cause: " + line(o.rootCause()))
              + (o.fix().isEmpty() ? "" : "; fix: " + line(o.fix())));
    }
    String fix =
        "No fix suggested without a model. Start reading at " + where + " in " + ctx.codebasePath()
            + "; set DIAGNOSIS_BACKEND to claude_code, anthropic or openai for a diagnosis.";
    return new Diagnosis(
        rootCause, evidence, fix, Confidence.LOW, Diagnosis.NO_MODEL,
        Optional.of(BigDecimal.ZERO), Duration.between(start, clock.instant()));
  }

  private static String rate(SignatureFacts s) {
    Duration span = Duration.between(s.firstSeen(), s.lastSeen());
    if (s.occurrenceCount() < 2 || span.toMinutes() < 1) {
      return "";
    }
    double perHour = s.occurrenceCount() * 3600.0 / span.toSeconds();
    return String.format(java.util.Locale.ROOT, " (about %.1f per hour)", perHour);
  }

  private static String line(String text) {
    String flat = text.strip().replace('\n', ' ').replace('\r', ' ');
    return flat.length() <= MAX_LINE_CHARS ? flat : flat.substring(0, MAX_LINE_CHARS) + "...";
  }
}
