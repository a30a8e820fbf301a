package dev.vigil.rounds;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One error as telemetry reports it, read the OpenTelemetry way: an exception span event
 * ({@code exception.type}, {@code exception.message}, {@code exception.stacktrace}), a span with
 * error status, or an error log record, with the resource's {@code service.name}.
 *
 * @param source where it came from ({@code otlp}, {@code jaeger}, ...)
 * @param service the resource's {@code service.name}; {@code "unknown_service"} when absent
 * @param errorType the raw {@code exception.type} (e.g. {@code java.net.SocketTimeoutException}),
 *     or empty when the telemetry names none
 * @param message the exception message or log body, as sent
 * @param stackTrace the {@code exception.stacktrace} text, or empty
 * @param time when it happened (the event's, span's or log record's timestamp)
 * @param traceId lower-case hex trace id, or empty
 * @param spanId lower-case hex span id, or empty
 * @param severity how bad the telemetry says it is
 * @param attributes further attributes worth keeping (e.g. {@code http.route}), immutable
 */
public record ErrorEvent(
    String source,
    String service,
    String errorType,
    String message,
    String stackTrace,
    Instant time,
    String traceId,
    String spanId,
    Severity severity,
    Map<String, String> attributes) {

  /** Checks the required parts, turns missing text into empty text and copies the attributes. */
  public ErrorEvent {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(severity, "severity");
    service = service == null || service.isBlank() ? "unknown_service" : service;
    errorType = errorType == null ? "" : errorType;
    message = message == null ? "" : message;
    stackTrace = stackTrace == null ? "" : stackTrace;
    traceId = traceId == null ? "" : traceId;
    spanId = spanId == null ? "" : spanId;
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }
}
