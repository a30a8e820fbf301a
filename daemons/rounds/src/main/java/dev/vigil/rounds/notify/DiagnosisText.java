package dev.vigil.rounds.notify;

import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The texts every notifier shares: a diagnosis as Markdown and as a plain block. */
final class DiagnosisText {
  /** To the second: what people read (the stores and JSON documents keep the full precision). */
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(java.time.ZoneOffset.UTC);

  private DiagnosisText() {}

  /** An instant as people read it, to the second. */
  static String time(java.time.Instant at) {
    return TIME.format(at);
  }

  static String title(SignatureFacts s) {
    String t = "[vigil] " + s.headline() + " (" + s.service() + ")";
    return t.length() <= 200 ? t : t.substring(0, 197) + "...";
  }

  static String shortFingerprint(SignatureFacts s) {
    return s.fingerprint().length() <= 16 ? s.fingerprint() : s.fingerprint().substring(0, 16);
  }

  static String cost(Diagnosis d) {
    return d.costUsd().map(c -> c.stripTrailingZeros().toPlainString() + " USD").orElse("unknown");
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  static String occurrences(SignatureFacts s) {
    return s.occurrenceCount() + " (first " + TIME.format(s.firstSeen()) + ", last "
        + TIME.format(s.lastSeen()) + ")";
  }

  /** "42 occurrences, 25 since the last notice (first ..., last ...)". */
  static String recurrence(Notification.Recurred r) {
    SignatureFacts s = r.signature();
    return s.occurrenceCount() + " occurrences, " + r.newOccurrences() + " since the last notice"
        + " (first " + TIME.format(s.firstSeen()) + ", last " + TIME.format(s.lastSeen()) + ")";
  }

  static String recurrenceMarkdown(Notification.Recurred r) {
    SignatureFacts s = r.signature();
    return "Seen again: **" + s.occurrenceCount() + "** occurrences in all, " + r.newOccurrences()
        + " since the last notice (" + r.notifiedCount() + ").\n\n"
        + "- **First seen:** " + TIME.format(s.firstSeen()) + "\n"
        + "- **Last seen:** " + TIME.format(s.lastSeen());
  }

  static String markdown(SignatureFacts s, Diagnosis d) {
    StringBuilder b = new StringBuilder();
    b.append("# ").append(s.headline().replace('\n', ' ')).append("\n\n");
    b.append("- **Service:** ").append(s.service()).append('\n');
    b.append("- **Signature:** #").append(s.id()).append(" (`").append(shortFingerprint(s)).append("`)\n");
    b.append("- **Occurrences:** ").append(occurrences(s)).append('\n');
    if (!s.frames().isEmpty()) {
      b.append("- **Where:** `").append(s.frames().get(0)).append("`\n");
    }
    b.append("- **Confidence:** ").append(d.confidence().wireName()).append('\n');
    b.append("- **Model:** ").append(d.model()).append(", cost ").append(cost(d)).append(", ")
        .append(seconds(d.duration())).append("\n\n");
    b.append("## Root cause\n\n").append(d.rootCause()).append("\n\n");
    b.append("## Evidence\n\n");
    if (d.evidence().isEmpty()) {
      b.append("(none given)\n");
    }
    d.evidence().forEach(e -> b.append("- ").append(e.replace('\n', ' ')).append('\n'));
    b.append("\n## Suggested fix\n\n").append(d.suggestedFix()).append('\n');
    return b.toString();
  }

  static String block(SignatureFacts s, Diagnosis d) {
    StringBuilder b = new StringBuilder();
    b.append("=== vigil diagnosis: signature ").append(s.id()).append(" (").append(s.service())
        .append(") ===\n");
    b.append(s.headline().replace('\n', ' ')).append('\n');
    b.append("occurrences: ").append(occurrences(s)).append('\n');
    b.append("confidence: ").append(d.confidence().wireName()).append("  model: ").append(d.model())
        .append("  cost: ").append(cost(d)).append("  duration: ").append(seconds(d.duration()))
        .append('\n');
    b.append("root cause: ").append(d.rootCause()).append('\n');
    b.append("evidence:\n");
    d.evidence().forEach(e -> b.append("  - ").append(e.replace('\n', ' ')).append('\n'));
    b.append("suggested fix: ").append(d.suggestedFix()).append('\n');
    return b.toString();
  }

  static BigDecimal zeroIfAbsent(Diagnosis d) {
    return d.costUsd().orElse(BigDecimal.ZERO);
  }
}
