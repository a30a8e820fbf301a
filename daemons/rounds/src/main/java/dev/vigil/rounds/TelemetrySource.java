package dev.vigil.rounds;

import java.time.Instant;
import java.util.List;

/**
 * A telemetry backend Vigil polls for errors (SigNoz, Jaeger, Grafana Tempo and Loki, Zipkin).
 * Implementations speak the backend's real API: its auth, time units and pagination; they retry
 * 429 and 5xx answers with backoff honouring {@code Retry-After}, and report any answer they
 * cannot use as a {@link TelemetryException}, never as "no errors".
 */
public interface TelemetrySource {
  /** The backend's name as configured ({@code jaeger}, {@code signoz}, ...). */
  String name();

  /**
   * The error events with a time in {@code [from, to)}, following pagination until the window is
   * drained or {@code limit} events are read; in the latter case {@link Batch#backlogFrom} says
   * where the next read must resume, so nothing is silently dropped.
   *
   * @param pageSize how many rows to ask for per request
   * @param limit at most this many events in the batch
   * @throws TelemetryException if the backend could not be read
   */
  Batch fetch(Instant from, Instant to, int pageSize, int limit) throws TelemetryException;

  /**
   * One read of a window.
   *
   * @param events the error events read
   * @param skippedRows rows that could not be parsed, counted and skipped
   * @param backlogFrom where unread events of the window begin, or null when the window was drained
   */
  record Batch(List<ErrorEvent> events, int skippedRows, Instant backlogFrom) {
    /** Copies the events. */
    public Batch {
      events = List.copyOf(events);
    }
  }
}
