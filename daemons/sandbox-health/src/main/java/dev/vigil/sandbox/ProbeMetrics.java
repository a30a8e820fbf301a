package dev.vigil.sandbox;

import dev.vigil.core.HealthStatus;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Instant;

/**
 * The probes' metrics, computed at scrape time from the {@link ProbeBook}: status one-hot (so
 * {@code vigil_probe_status{probe="api.health",status="unhealthy"} == 1} reads the same in every
 * format), latency of the latest run, and when the target last worked (absent if it never has, so
 * that {@code time() - x} never lies). Only ids, kinds and statuses become labels: no detail, so no
 * secret, can reach a scrape.
 */
final class ProbeMetrics implements MultiCollector {
  private final ProbeBook book;

  ProbeMetrics(ProbeBook book) {
    this.book = book;
  }

  @Override
  public MetricSnapshots collect() {
    var status = gauge("vigil_probe_status", "Accepted status of each sandbox-health probe, one-hot.");
    var latency = gauge("vigil_probe_latency_seconds", "How long each probe's latest run took.");
    var checked = gauge("vigil_probe_last_check_timestamp_seconds", "When each probe last ran; absent before its first run.");
    var success = gauge("vigil_probe_last_success_timestamp_seconds",
        "When each probe last found its target working (healthy or degraded); absent if never.");
    var rollup = gauge("vigil_probe_rollup_status",
        "The sandbox-health roll-up (worst required probe, optional ones at most degraded), one-hot.");
    for (ProbeSpec p : book.probes()) {
      ProbeState s = book.state(p.id());
      Labels probe = Labels.of("probe", p.id());
      Labels full = Labels.of("probe", p.id(), "kind", p.check().kind(), "severity", p.severity().wireName());
      for (HealthStatus h : HealthStatus.values()) {
        status.dataPoint(point(h == s.status() ? 1 : 0, full.add("status", h.wireName())));
      }
      if (s.checkedAt().isPresent()) {
        latency.dataPoint(point(s.latencyNanos() / 1e9, probe));
        checked.dataPoint(point(seconds(s.checkedAt().get()), probe));
      }
      s.lastSuccess().ifPresent(t -> success.dataPoint(point(seconds(t), probe)));
    }
    HealthStatus whole = book.rollUp();
    for (HealthStatus h : HealthStatus.values()) {
      rollup.dataPoint(point(h == whole ? 1 : 0, Labels.of("status", h.wireName())));
    }
    return MetricSnapshots.builder()
        .metricSnapshot(status.build())
        .metricSnapshot(latency.build())
        .metricSnapshot(checked.build())
        .metricSnapshot(success.build())
        .metricSnapshot(rollup.build())
        .build();
  }

  private static GaugeSnapshot.Builder gauge(String name, String help) {
    return GaugeSnapshot.builder().name(name).help(help);
  }

  private static GaugeDataPointSnapshot point(double value, Labels labels) {
    return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
  }

  private static double seconds(Instant t) {
    return t.getEpochSecond() + t.getNano() / 1e9;
  }
}
