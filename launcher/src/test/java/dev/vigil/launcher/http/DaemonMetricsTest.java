package dev.vigil.launcher.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.core.BuiltinDaemons;
import dev.vigil.core.DaemonInfo;
import dev.vigil.core.DaemonState;
import dev.vigil.core.DaemonType;
import dev.vigil.core.ErrorInfo;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.HealthStatus;
import dev.vigil.core.ManagerSnapshot;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The metric families, from snapshots made by hand: states the real manager reaches only slowly.
 */
class DaemonMetricsTest {
  private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
  private static final DaemonType POLLER = DaemonType.of("POLLER");

  @Test
  void aDaemonInBackoffAndTheEventBusCounters() throws Exception {
    DaemonInfo poller =
        new DaemonInfo(
            POLLER,
            "telemetry",
            DaemonState.BACKOFF,
            HealthCheckResult.degraded("slow"),
            3,
            2,
            Optional.of(ErrorInfo.of(new RuntimeException("x"), NOW.minusSeconds(2))),
            Optional.empty(),
            Optional.of(NOW.minusSeconds(2)),
            Optional.of(NOW.plusMillis(1500)),
            Optional.of(Duration.ofMillis(1500)),
            Optional.empty(),
            false,
            Optional.empty());
    DaemonInfo router =
        new DaemonInfo(
            BuiltinDaemons.EVENT_ROUTER,
            "supervisor",
            DaemonState.RUNNING,
            HealthCheckResult.of(
                HealthStatus.HEALTHY,
                "2 subscribers",
                Map.of(
                    "subscribers",
                    2,
                    "queued",
                    0,
                    "dropped_total",
                    5L,
                    "subscriber_failures_total",
                    1L)),
            0,
            0,
            Optional.empty(),
            Optional.of(NOW.minusSeconds(60)),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            false,
            Optional.of(Duration.ofMillis(250)));
    var daemons =
        new TreeMap<DaemonType, DaemonInfo>(Map.of(POLLER, poller, router.type(), router));
    ManagerSnapshot snapshot = new ManagerSnapshot(NOW, daemons, false);

    Map<String, Double> samples = scrape(new DaemonMetrics(() -> snapshot, "9.9"));

    assertThat(samples)
        .containsEntry("vigil_daemon_state{daemon=\"POLLER\",state=\"backoff\"}", 1.0)
        .containsEntry("vigil_daemon_state{daemon=\"POLLER\",state=\"running\"}", 0.0)
        .containsEntry("vigil_daemon_ready{daemon=\"POLLER\"}", 0.0)
        .containsEntry("vigil_daemon_health_status{daemon=\"POLLER\",status=\"degraded\"}", 1.0)
        .containsEntry("vigil_daemon_health_status{daemon=\"POLLER\",status=\"healthy\"}", 0.0)
        .containsEntry("vigil_daemon_restarts_total{daemon=\"POLLER\"}", 3.0)
        .containsEntry("vigil_daemon_backoff_seconds{daemon=\"POLLER\"}", 1.5)
        .containsEntry(
            "vigil_daemon_last_failure_timestamp_seconds{daemon=\"POLLER\"}",
            (double) NOW.minusSeconds(2).getEpochSecond())
        .doesNotContainKey("vigil_daemon_last_start_timestamp_seconds{daemon=\"POLLER\"}")
        .containsEntry(
            "vigil_daemon_last_start_timestamp_seconds{daemon=\"EVENT_ROUTER\"}",
            (double) NOW.minusSeconds(60).getEpochSecond())
        .containsEntry(
            "vigil_daemon_health_check_duration_seconds{daemon=\"EVENT_ROUTER\"}", 0.25)
        .doesNotContainKey("vigil_daemon_health_check_duration_seconds{daemon=\"POLLER\"}")
        .containsEntry("vigil_event_bus_dropped_total", 5.0)
        .containsEntry("vigil_event_bus_subscriber_failures_total", 1.0)
        .containsEntry("vigil_event_bus_subscribers", 2.0)
        .containsEntry("vigil_build_info{version=\"9.9\"}", 1.0);
  }

  @Test
  void theEventBusCountersAreAbsentBeforeTheRoutersFirstCheck() throws Exception {
    DaemonInfo router =
        new DaemonInfo(
            BuiltinDaemons.EVENT_ROUTER,
            "supervisor",
            DaemonState.RUNNING,
            HealthCheckResult.unknown("not checked yet"),
            0,
            0,
            Optional.empty(),
            Optional.of(NOW),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            false,
            Optional.empty());
    var daemons = new TreeMap<DaemonType, DaemonInfo>(Map.of(router.type(), router));

    Map<String, Double> samples =
        scrape(new DaemonMetrics(() -> new ManagerSnapshot(NOW, daemons, false), "9.9"));

    assertThat(samples.keySet()).noneMatch(k -> k.startsWith("vigil_event_bus_"));
    assertThat(samples).containsEntry("vigil_daemon_ready{daemon=\"EVENT_ROUTER\"}", 1.0);
  }

  private static Map<String, Double> scrape(DaemonMetrics metrics) throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(metrics);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, registry.scrape());
    return PrometheusText.parse(out.toString(StandardCharsets.UTF_8));
  }
}
