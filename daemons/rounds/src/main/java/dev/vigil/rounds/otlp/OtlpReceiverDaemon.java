package dev.vigil.rounds.otlp;

import dev.vigil.core.DaemonContext;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.HealthStatus;
import dev.vigil.core.IdleDaemon;
import dev.vigil.rounds.EventSink;
import dev.vigil.rounds.otlp.OtlpMetrics.Outcome;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The built-in OTLP receiver as a daemon ({@code OTLP_RECEIVER}): OTLP/HTTP and OTLP/gRPC
 * listeners that turn exported spans and logs into error events for the {@link EventSink}, and keep
 * recent telemetry in a {@link RecentTelemetry} buffer. It is RUNNING once both transports listen.
 *
 * <p>A fresh instance per attempt binds the ports anew and reports the bound endpoints through
 * {@code onListening} each time (with port 0 they change). The sink, buffer and metrics are shared
 * by all attempts.
 *
 * <p>Health: unhealthy unless both transports serve; degraded while the event store's last commit
 * failed (exporters are being told to retry); details carry the URLs and request counts.
 */
public final class OtlpReceiverDaemon extends IdleDaemon {
  /** The daemon's type. */
  public static final DaemonType OTLP_RECEIVER = DaemonType.of("OTLP_RECEIVER");

  /** The category it is listed under. */
  public static final String CATEGORY = "telemetry";

  private final OtlpSettings settings;
  private final EventSink sink;
  private final RecentTelemetry buffer;
  private final OtlpMetrics metrics;
  private final Consumer<OtlpEndpoints> onListening;
  // set on the start thread, read by health checks on another
  private volatile OtlpReceiver receiver;

  /**
   * A receiver that commits to {@code sink}.
   *
   * @param onListening told the bound endpoints once both transports listen, on the start thread;
   *     if it throws, the start fails
   */
  public OtlpReceiverDaemon(
      OtlpSettings settings,
      EventSink sink,
      RecentTelemetry buffer,
      OtlpMetrics metrics,
      Consumer<OtlpEndpoints> onListening) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.buffer = Objects.requireNonNull(buffer, "buffer");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.onListening = Objects.requireNonNull(onListening, "onListening");
  }

  /**
   * The spec of {@link #OTLP_RECEIVER}: category {@code telemetry}, the default restart policy. The
   * caller registers {@code metrics} on the node's {@code /metrics} and writes the endpoints
   * {@code onListening} hears (the OTLP URL) into node.json.
   *
   * @param dependsOn daemons that must be RUNNING first, such as the one that opens the store
   *     behind {@code sink}
   */
  public static DaemonSpec spec(
      OtlpSettings settings,
      EventSink sink,
      RecentTelemetry buffer,
      OtlpMetrics metrics,
      Consumer<OtlpEndpoints> onListening,
      DaemonType... dependsOn) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(buffer, "buffer");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(onListening, "onListening");
    return DaemonSpec.builder(
            OTLP_RECEIVER,
            () -> new OtlpReceiverDaemon(settings, sink, buffer, metrics, onListening))
        .category(CATEGORY)
        .dependsOn(dependsOn)
        .build();
  }

  @Override
  protected void onStart(DaemonContext ctx) throws Exception {
    receiver = OtlpReceiver.start(settings, sink, buffer, metrics, ctx.clock());
    onListening.accept(receiver.endpoints());
  }

  @Override
  protected void onStop(DaemonContext ctx) {
    OtlpReceiver r = receiver;
    if (r != null) {
      r.close();
    }
  }

  /** Where this instance listens, or null before it started. */
  public OtlpEndpoints endpoints() {
    OtlpReceiver r = receiver;
    return r == null ? null : r.endpoints();
  }

  @Override
  public HealthCheckResult healthCheck() {
    OtlpReceiver r = receiver;
    if (r == null || !r.isRunning()) {
      return HealthCheckResult.unhealthy("the OTLP receiver is not listening");
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("http_url", r.endpoints().http().toString());
    if (r.endpoints().grpc() != null) {
      details.put("grpc_url", r.endpoints().grpc().toString());
    }
    details.put("requests", metrics.requestCount());
    details.put("requests_failed", metrics.requestCount(Outcome.UNAVAILABLE));
    details.put("requests_bad", metrics.requestCount(Outcome.BAD_REQUEST));
    details.put("error_events", metrics.errorEventCount());
    details.put("buffered_spans", buffer.spanCount());
    details.put("buffered_logs", buffer.logCount());
    OtlpMetrics.SinkFailure failure = metrics.currentSinkFailure();
    if (failure != null) {
      details.put("last_store_failure_at", failure.at().toString());
      return HealthCheckResult.of(
          HealthStatus.DEGRADED,
          "the event store failed the last commit (exporters are told to retry): "
              + failure.message(),
          details);
    }
    return HealthCheckResult.of(HealthStatus.HEALTHY, "listening: " + r.endpoints(), details);
  }
}
