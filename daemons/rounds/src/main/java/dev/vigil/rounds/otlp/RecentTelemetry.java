package dev.vigil.rounds.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The spans and log records the OTLP receiver took in lately, kept so that a diagnosis can build a
 * signature's trace tree and find the logs of the same trace without asking a backend. Bounded by
 * count (the newest {@code maxSpans} spans and {@code maxLogs} log records) and by age (dropped
 * {@code maxAge} after they arrived), so memory stays flat however much is sent.
 *
 * <p>Only log records with a trace id are kept, since they are found by trace id. Spans and
 * records enter once their request's error events are committed, so a retried request is not
 * held twice. Adding is O(1) per item; looking a trace up costs its own size.
 *
 * <p>Thread-safe. One instance is shared by the receiver's HTTP and gRPC intakes and outlives the
 * receiver's restarts.
 */
public final class RecentTelemetry {
  private final TraceRing<RecentSpan> spans;
  private final TraceRing<RecentLog> logs;
  private final Clock clock;

  /**
   * An empty buffer.
   *
   * @param maxSpans spans kept at most; 0 keeps none
   * @param maxLogs log records kept at most; 0 keeps none
   * @param maxAge how long an item is kept after it arrived; positive
   * @param clock the time items arrive and age by
   */
  public RecentTelemetry(int maxSpans, int maxLogs, Duration maxAge, Clock clock) {
    Objects.requireNonNull(maxAge, "maxAge");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxAge.isZero() || maxAge.isNegative()) {
      throw new IllegalArgumentException("maxAge " + maxAge + " must be positive");
    }
    this.spans = new TraceRing<>(maxSpans, maxAge.toMillis());
    this.logs = new TraceRing<>(maxLogs, maxAge.toMillis());
  }

  /** A buffer sized by {@code settings}. */
  public static RecentTelemetry of(OtlpSettings.Buffer settings, Clock clock) {
    return new RecentTelemetry(settings.maxSpans(), settings.maxLogs(), settings.maxAge(), clock);
  }

  /**
   * The spans of a trace held now, in the order they arrived (a trace tree is built from their
   * parent span ids). Empty when the trace is unknown or has aged out.
   *
   * @param traceId the trace id in hex (32 digits, any case; shorter ones are left-padded)
   * @throws IllegalArgumentException if {@code traceId} is not hex
   */
  public List<RecentSpan> spans(String traceId) {
    return spans.get(traceKey(traceId), clock.millis());
  }

  /** The log records of a trace held now, in the order they arrived; see {@link #spans}. */
  public List<RecentLog> logs(String traceId) {
    return logs.get(traceKey(traceId), clock.millis());
  }

  /** How many spans are held now. */
  public int spanCount() {
    return spans.size(clock.millis());
  }

  /** How many log records are held now. */
  public int logCount() {
    return logs.size(clock.millis());
  }

  boolean keepsSpans() {
    return spans.enabled();
  }

  boolean keepsLogs() {
    return logs.enabled();
  }

  void addSpans(List<ByteString> traceIds, List<RecentSpan> batch) {
    if (!batch.isEmpty()) {
      spans.addAll(traceIds, batch, clock.millis());
    }
  }

  void addLogs(List<ByteString> traceIds, List<RecentLog> batch) {
    if (!batch.isEmpty()) {
      logs.addAll(traceIds, batch, clock.millis());
    }
  }

  Instant now() {
    return clock.instant();
  }

  private static ByteString traceKey(String hex) {
    Objects.requireNonNull(hex, "traceId");
    String id = hex.strip();
    if (id.length() > 32) {
      throw new IllegalArgumentException("trace id '" + hex + "' has more than 32 hex digits");
    }
    id = "0".repeat(32 - id.length()) + id;
    try {
      return OtlpJson.hex(id, new ArrayList<>(List.of("traceId")));
    } catch (MalformedRequestException e) {
      throw new IllegalArgumentException("trace id '" + hex + "' is not hex", e);
    }
  }

  /**
   * One span as it was received.
   *
   * @param service the resource's {@code service.name}, or {@code unknown_service}
   * @param resource the resource that sent it
   * @param scope the instrumentation scope that made it
   * @param span the span itself
   * @param receivedAt when the receiver took it in
   */
  public record RecentSpan(
      String service, Resource resource, InstrumentationScope scope, Span span, Instant receivedAt) {
    /** Lower-case hex trace id. */
    public String traceId() {
      return OtlpValues.hex(span.getTraceId());
    }

    /** Lower-case hex span id. */
    public String spanId() {
      return OtlpValues.hex(span.getSpanId());
    }

    /** Lower-case hex parent span id, empty for a root span. */
    public String parentSpanId() {
      return OtlpValues.hex(span.getParentSpanId());
    }
  }

  /**
   * One log record as it was received.
   *
   * @param service the resource's {@code service.name}, or {@code unknown_service}
   * @param resource the resource that sent it
   * @param scope the instrumentation scope that made it
   * @param record the log record itself
   * @param receivedAt when the receiver took it in
   */
  public record RecentLog(
      String service,
      Resource resource,
      InstrumentationScope scope,
      LogRecord record,
      Instant receivedAt) {
    /** Lower-case hex trace id. */
    public String traceId() {
      return OtlpValues.hex(record.getTraceId());
    }

    /** Lower-case hex span id, empty when the record names none. */
    public String spanId() {
      return OtlpValues.hex(record.getSpanId());
    }
  }
}
