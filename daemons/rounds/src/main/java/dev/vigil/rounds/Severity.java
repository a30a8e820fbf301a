package dev.vigil.rounds;

/** How bad an {@link ErrorEvent} is, from the span status or the log record's severity number. */
public enum Severity {
  /** OpenTelemetry severity numbers 17-20, a span with error status, or an exception event. */
  ERROR,
  /** Severity numbers 21-24. */
  FATAL
}
