package dev.vigil.rounds.otlp;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.EventSink;
import dev.vigil.rounds.otlp.ErrorExtractor.Extracted;
import dev.vigil.rounds.otlp.OtlpMetrics.Signal;
import dev.vigil.rounds.otlp.RecentTelemetry.RecentLog;
import dev.vigil.rounds.otlp.RecentTelemetry.RecentSpan;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What both transports do with a decoded export request: extract the error events, commit them
 * through the {@link EventSink}, and only then buffer the spans or log records and report
 * success. The transport answers 2xx (or OK) only when this returns, so an acknowledged event is
 * committed and a retried request after a failure is safe (the sink counts an event once).
 *
 * <p>Thread-safe; called concurrently by the request threads of both transports.
 */
final class OtlpIntake {
  private final EventSink sink;
  private final RecentTelemetry buffer;
  private final OtlpMetrics metrics;
  private final Clock clock;

  OtlpIntake(EventSink sink, RecentTelemetry buffer, OtlpMetrics metrics, Clock clock) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.buffer = Objects.requireNonNull(buffer, "buffer");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The answer to an export: how many records were rejected, and why (a partial success when
   * {@code rejected > 0}).
   *
   * @param rejected unusable spans or log records
   * @param errorMessage why, empty when all were used
   * @param events error events committed
   */
  record Result(int rejected, String errorMessage, int events) {}

  /** The event store could not commit a request's events; the sender should retry. */
  static final class SinkFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    SinkFailedException(RuntimeException cause) {
      super("the event store could not commit the errors: " + cause.getMessage(), cause);
    }
  }

  Result traces(ExportTraceServiceRequest request) throws SinkFailedException {
    Instant now = clock.instant();
    Extracted<RecentSpan> x = ErrorExtractor.traces(request, now, buffer.keepsSpans());
    commit(x.events(), now);
    buffer.addSpans(x.traceIds(), x.kept());
    return finish(Signal.TRACES, x, "spans");
  }

  Result logs(ExportLogsServiceRequest request) throws SinkFailedException {
    Instant now = clock.instant();
    Extracted<RecentLog> x = ErrorExtractor.logs(request, now, buffer.keepsLogs());
    commit(x.events(), now);
    buffer.addLogs(x.traceIds(), x.kept());
    return finish(Signal.LOGS, x, "log records");
  }

  private void commit(List<ErrorEvent> events, Instant now) throws SinkFailedException {
    if (events.isEmpty()) {
      return;
    }
    try {
      sink.ingest(events);
    } catch (RuntimeException e) {
      metrics.sinkFailed(now, String.valueOf(e.getMessage()));
      throw new SinkFailedException(e);
    }
    metrics.sinkSucceeded(now);
  }

  private Result finish(Signal signal, Extracted<?> x, String what) {
    metrics.items(signal, x.received(), x.rejected(), x.events().size());
    if (x.rejected() == 0) {
      return new Result(0, "", x.events().size());
    }
    String message =
        x.rejected() + " of " + x.received() + " " + what + " rejected; first: " + x.problem();
    return new Result(x.rejected(), message, x.events().size());
  }
}
