package dev.vigil.rounds.telemetry;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a span, as any trace backend shows it, into error events the OpenTelemetry way: one event
 * per {@code exception} span event (whatever the span's status: a handled exception recorded on
 * an OK span is still an error worth counting), or, for a span with error status and no exception
 * event, one event carrying the status message (the span name when there is none).
 */
final class SpanErrors {
  private SpanErrors() {}

  /** An {@code exception} span event's attributes. */
  record Thrown(Instant time, String type, String message, String stackTrace) {}

  /** The parts of a span error extraction needs; ids already normalised. */
  record SpanView(
      String service,
      String traceId,
      String spanId,
      String name,
      Instant start,
      boolean errorStatus,
      String statusMessage,
      List<Thrown> exceptions) {}

  /** Adds the span's error events to {@code out}. */
  static void emit(String source, SpanView span, List<ErrorEvent> out) {
    Map<String, String> attributes = span.name().isEmpty() ? Map.of() : Map.of("span.name", span.name());
    for (Thrown t : span.exceptions()) {
      out.add(
          new ErrorEvent(
              source,
              span.service(),
              t.type(),
              t.message().isEmpty() ? span.statusMessage() : t.message(),
              t.stackTrace(),
              t.time() == null ? span.start() : t.time(),
              span.traceId(),
              span.spanId(),
              Severity.ERROR,
              attributes));
    }
    if (span.exceptions().isEmpty() && span.errorStatus()) {
      out.add(
          new ErrorEvent(
              source,
              span.service(),
              "",
              span.statusMessage().isEmpty() ? span.name() : span.statusMessage(),
              "",
              span.start(),
              span.traceId(),
              span.spanId(),
              Severity.ERROR,
              attributes));
    }
  }

  /** Error events and the rows that could not be read, gathered over one or more pages. */
  static final class Collected {
    final List<ErrorEvent> events = new ArrayList<>();
    int skipped;

    void addAll(Collected other) {
      events.addAll(other.events);
      skipped += other.skipped;
    }
  }
}
