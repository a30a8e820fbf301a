package dev.vigil.launcher.http;

import dev.vigil.core.BuiltinDaemons;
import dev.vigil.core.DaemonInfo;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonState;
import dev.vigil.core.HealthStatus;
import dev.vigil.core.ManagerSnapshot;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The supervisor's metrics, computed at scrape time from one {@link ManagerSnapshot}: nothing is
 * kept between scrapes, so the numbers cannot drift from what {@code /status} shows.
 *
 * <p>States and health statuses are gauges with a {@code state} / {@code status} label, one-hot:
 * {@code vigil_daemon_state{daemon="X",state="failed"} == 1} reads the same in the Prometheus text
 * format and in OpenMetrics, which a state set would not. Timestamps of events that have not
 * happened are left out rather than exported as 0, so that {@code time() - x} never lies.
 */
final class DaemonMetrics implements MultiCollector {
  private final Supplier<ManagerSnapshot> snapshots;
  private final String version;

  /**
   * @param snapshots takes one snapshot per scrape ({@link DaemonManager#snapshot})
   * @param version the value of {@code vigil_build_info}'s {@code version} label
   */
  DaemonMetrics(Supplier<ManagerSnapshot> snapshots, String version) {
    this.snapshots = snapshots;
    this.version = version;
  }

  @Override
  public MetricSnapshots collect() {
    ManagerSnapshot snapshot = snapshots.get();
    var state = gauge("vigil_daemon_state", "Lifecycle state of each daemon, one-hot over states.");
    var ready = gauge("vigil_daemon_ready", "1 when the daemon is RUNNING (started and ready).");
    var health =
        gauge("vigil_daemon_health_status", "Last accepted health of each daemon, one-hot.");
    var restarts =
        CounterSnapshot.builder()
            .name("vigil_daemon_restarts")
            .help("Restarts of each daemon since the manager was built.");
    var lastStart =
        gauge(
            "vigil_daemon_last_start_timestamp_seconds",
            "When the current instance became RUNNING; absent when it is not running.");
    var lastFailure =
        gauge(
            "vigil_daemon_last_failure_timestamp_seconds",
            "When the daemon last crashed; absent if it never has.");
    var backoff =
        gauge("vigil_daemon_backoff_seconds", "Delay of the pending restart; 0 outside BACKOFF.");
    var checkDuration =
        gauge(
            "vigil_daemon_health_check_duration_seconds",
            "How long the daemon's last health check took; absent before the first.");

    for (DaemonInfo d : snapshot.daemons().values()) {
      String name = d.type().name();
      Labels daemon = Labels.of("daemon", name);
      for (DaemonState s : DaemonState.values()) {
        state.dataPoint(point(s == d.state() ? 1 : 0, daemon.add("state", s.wireName())));
      }
      ready.dataPoint(point(d.state() == DaemonState.RUNNING ? 1 : 0, daemon));
      for (HealthStatus s : HealthStatus.values()) {
        health.dataPoint(
            point(s == d.health().status() ? 1 : 0, daemon.add("status", s.wireName())));
      }
      restarts.dataPoint(
          CounterDataPointSnapshot.builder().value(d.restartCount()).labels(daemon).build());
      d.startedAt().ifPresent(t -> lastStart.dataPoint(point(seconds(t), daemon)));
      d.lastFailureAt().ifPresent(t -> lastFailure.dataPoint(point(seconds(t), daemon)));
      double delay = d.currentBackoff().map(b -> b.toNanos() / 1e9).orElse(0.0);
      backoff.dataPoint(point(delay, daemon));
      d.lastHealthCheckDuration()
          .ifPresent(t -> checkDuration.dataPoint(point(t.toNanos() / 1e9, daemon)));
    }

    MetricSnapshots.Builder all =
        MetricSnapshots.builder()
            .metricSnapshot(state.build())
            .metricSnapshot(ready.build())
            .metricSnapshot(health.build())
            .metricSnapshot(restarts.build())
            .metricSnapshot(lastStart.build())
            .metricSnapshot(lastFailure.build())
            .metricSnapshot(backoff.build())
            .metricSnapshot(checkDuration.build());
    addEventBus(all, snapshot);
    all.metricSnapshot(
        InfoSnapshot.builder()
            .name("vigil_build") // the writers add the _info suffix
            .help("The Vigil build this node runs.")
            .dataPoint(
                InfoDataPointSnapshot.builder().labels(Labels.of("version", version)).build())
            .build());
    return all.build();
  }

  /**
   * The bus counters are read from the router's last accepted health result, so they are as fresh
   * as its last check and absent before the first one.
   */
  private static void addEventBus(MetricSnapshots.Builder all, ManagerSnapshot snapshot) {
    DaemonInfo router = snapshot.daemons().get(BuiltinDaemons.EVENT_ROUTER);
    if (router == null) {
      return;
    }
    Map<String, Object> details = router.health().details();
    if (details.get("dropped_total") instanceof Number n) {
      all.metricSnapshot(
          counter("vigil_event_bus_dropped", "Events dropped because a subscriber was full.", n));
    }
    if (details.get("subscriber_failures_total") instanceof Number n) {
      all.metricSnapshot(
          counter("vigil_event_bus_subscriber_failures", "Events a subscriber threw on.", n));
    }
    if (details.get("subscribers") instanceof Number n) {
      all.metricSnapshot(
          gauge("vigil_event_bus_subscribers", "Subscribers of the event bus.")
              .dataPoint(point(n.doubleValue(), Labels.EMPTY))
              .build());
    }
  }

  private static GaugeSnapshot.Builder gauge(String name, String help) {
    return GaugeSnapshot.builder().name(name).help(help);
  }

  private static CounterSnapshot counter(String name, String help, Number value) {
    return CounterSnapshot.builder()
        .name(name) // the writers add the _total suffix
        .help(help)
        .dataPoint(CounterDataPointSnapshot.builder().value(value.doubleValue()).build())
        .build();
  }

  private static GaugeDataPointSnapshot point(double value, Labels labels) {
    return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
  }

  private static double seconds(Instant t) {
    return t.getEpochSecond() + t.getNano() / 1e9;
  }
}
