package dev.vigil.rounds;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The rounds module's metrics, one collector for the launcher to register on {@code /metrics}:
 * ingest counts (from the poller and the OTLP receiver alike) and the poller's own. Thread-safe;
 * recording never blocks.
 *
 * <ul>
 *   <li>{@code vigil_rounds_events_ingested_total{source}}: events counted into signatures
 *   <li>{@code vigil_rounds_events_duplicate_total{source}}: events dropped as seen before
 *   <li>{@code vigil_rounds_events_rejected_total{source}}: events the fingerprinting failed on
 *   <li>{@code vigil_rounds_signatures_created_total}, {@code vigil_rounds_signatures_updated_total}
 *   <li>{@code vigil_rounds_poll_duration_seconds{source}}: histogram of poll cycles
 *   <li>{@code vigil_rounds_poll_errors_total{source,kind}}: failed reads by {@link
 *       TelemetryException.Kind} (lower case), {@code store} for a failed commit
 *   <li>{@code vigil_rounds_poll_skipped_rows_total{source}}: rows a backend sent that could not be
 *       parsed
 *   <li>{@code vigil_rounds_poll_filtered_total{source}}: events dropped by {@code SERVICE_FILTER}
 *   <li>{@code vigil_rounds_poll_watermark_lag_seconds{source}}: how far the watermark is behind
 *       the clock after the last successful poll
 * </ul>
 */
public final class RoundsMetrics implements MultiCollector {
  private final Counter ingested =
      Counter.builder()
          .name("vigil_rounds_events_ingested")
          .help("Error events counted into signatures.")
          .labelNames("source")
          .build();
  private final Counter duplicates =
      Counter.builder()
          .name("vigil_rounds_events_duplicate")
          .help("Error events dropped because their identity was already counted.")
          .labelNames("source")
          .build();
  private final Counter rejected =
      Counter.builder()
          .name("vigil_rounds_events_rejected")
          .help("Error events the fingerprinting could not handle; logged and not counted.")
          .labelNames("source")
          .build();
  private final Counter created =
      Counter.builder()
          .name("vigil_rounds_signatures_created")
          .help("Signatures seen for the first time.")
          .build();
  private final Counter updated =
      Counter.builder()
          .name("vigil_rounds_signatures_updated")
          .help("Existing signatures whose count moved, once per ingested batch.")
          .build();
  private final Histogram pollDuration =
      Histogram.builder()
          .name("vigil_rounds_poll_duration_seconds")
          .help("Duration of the poller's cycles, fetch and commit.")
          .labelNames("source")
          .classicOnly()
          .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
          .build();
  private final Counter pollErrors =
      Counter.builder()
          .name("vigil_rounds_poll_errors")
          .help("Failed poll cycles by kind (auth, rate_limited, timeout, ..., store).")
          .labelNames("source", "kind")
          .build();
  private final Counter skippedRows =
      Counter.builder()
          .name("vigil_rounds_poll_skipped_rows")
          .help("Rows a backend sent that could not be parsed; counted and skipped.")
          .labelNames("source")
          .build();
  private final Counter filtered =
      Counter.builder()
          .name("vigil_rounds_poll_filtered")
          .help("Events dropped because their service is not in SERVICE_FILTER.")
          .labelNames("source")
          .build();
  private final Gauge watermarkLag =
      Gauge.builder()
          .name("vigil_rounds_poll_watermark_lag_seconds")
          .help("How far the source's watermark is behind the clock after the last good poll.")
          .labelNames("source")
          .build();

  /** A fresh set of metrics, all zero. */
  public RoundsMetrics() {}

  @Override
  public MetricSnapshots collect() {
    return MetricSnapshots.of(
        ingested.collect(),
        duplicates.collect(),
        rejected.collect(),
        created.collect(),
        updated.collect(),
        pollDuration.collect(),
        pollErrors.collect(),
        skippedRows.collect(),
        filtered.collect(),
        watermarkLag.collect());
  }

  /** Records what one committed batch did. */
  public void ingested(String source, int accepted, int duplicate, int newSignatures, int moved) {
    if (accepted > 0) {
      ingested.labelValues(source).inc(accepted);
    }
    if (duplicate > 0) {
      duplicates.labelValues(source).inc(duplicate);
    }
    if (newSignatures > 0) {
      created.inc(newSignatures);
    }
    if (moved > 0) {
      updated.inc(moved);
    }
  }

  /** Records events the fingerprinting failed on. */
  public void rejected(String source, int count) {
    rejected.labelValues(source).inc(count);
  }

  /** Records a finished poll cycle. */
  public void polled(String source, double seconds, int skipped, int filteredOut, double lagSeconds) {
    pollDuration.labelValues(source).observe(seconds);
    if (skipped > 0) {
      skippedRows.labelValues(source).inc(skipped);
    }
    if (filteredOut > 0) {
      filtered.labelValues(source).inc(filteredOut);
    }
    watermarkLag.labelValues(source).set(lagSeconds);
  }

  /** Records a failed poll cycle. */
  public void pollFailed(String source, double seconds, String kind) {
    pollDuration.labelValues(source).observe(seconds);
    pollErrors.labelValues(source, kind).inc();
  }
}
