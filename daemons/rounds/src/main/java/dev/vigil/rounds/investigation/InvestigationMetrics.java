package dev.vigil.rounds.investigation;

import dev.vigil.rounds.diagnosis.BudgetGate;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The {@code DIAGNOSIS} daemon's metrics:
 *
 * <ul>
 *   <li>{@code vigil_rounds_diagnoses_total{outcome}}: investigations by outcome ({@code
 *       diagnosed}, {@code failed}, {@code needs_human}, {@code budget_exhausted}, {@code
 *       lease_lost}, {@code abandoned})
 *   <li>{@code vigil_rounds_budget_spent_usd}, {@code vigil_rounds_budget_reserved_usd}, {@code
 *       vigil_rounds_budget_remaining_usd}, {@code vigil_rounds_budget_limit_usd}: today's ledger,
 *       read when scraped (absent while the store is closed)
 *   <li>{@code vigil_rounds_signatures_needing_human}: signatures past their failed attempts
 *   <li>{@code vigil_rounds_notifications_queued{state}}: the store's notification queue, {@code
 *       waiting} for a (re)try or {@code parked} for an operator
 * </ul>
 */
public final class InvestigationMetrics implements MultiCollector {
  private final Counter outcomes =
      Counter.builder()
          .name("vigil_rounds_diagnoses")
          .help("Investigations by outcome.")
          .labelNames("outcome")
          .build();
  private volatile Supplier<BudgetGate.BudgetSnapshot> budget;
  private volatile IntSupplier needsHuman;
  private volatile Supplier<SqliteNotificationQueue.Counts> queue;

  void outcome(String outcome) {
    outcomes.labelValues(outcome).inc();
  }

  /** The count of one outcome so far (for status and tests). */
  public long count(String outcome) {
    return (long) outcomes.labelValues(outcome).get();
  }

  void readFrom(
      Supplier<BudgetGate.BudgetSnapshot> budget, IntSupplier needsHuman,
      Supplier<SqliteNotificationQueue.Counts> queue) {
    this.budget = budget;
    this.needsHuman = needsHuman;
    this.queue = queue;
  }

  @Override
  public MetricSnapshots collect() {
    MetricSnapshots.Builder out = MetricSnapshots.builder().metricSnapshot(outcomes.collect());
    Supplier<BudgetGate.BudgetSnapshot> b = budget;
    IntSupplier h = needsHuman;
    Supplier<SqliteNotificationQueue.Counts> q = queue;
    if (b != null) {
      try {
        BudgetGate.BudgetSnapshot s = b.get();
        out.metricSnapshot(gauge("vigil_rounds_budget_spent_usd", "Model spend settled today.", s.spentUsd().doubleValue()));
        out.metricSnapshot(gauge("vigil_rounds_budget_reserved_usd", "Model budget reserved by calls under way.", s.reservedUsd().doubleValue()));
        out.metricSnapshot(gauge("vigil_rounds_budget_remaining_usd", "Model budget left today.", s.remainingUsd().doubleValue()));
        out.metricSnapshot(gauge("vigil_rounds_budget_limit_usd", "The daily model budget.", s.limitUsd().doubleValue()));
        out.metricSnapshot(gauge("vigil_rounds_signatures_needing_human", "Signatures past their failed attempts.", h.getAsInt()));
        SqliteNotificationQueue.Counts c = q.get();
        out.metricSnapshot(GaugeSnapshot.builder()
            .name("vigil_rounds_notifications_queued")
            .help("Notifications in the store's queue: waiting for a (re)try, or parked for an operator.")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(c.waiting()).labels(Labels.of("state", "waiting")).build())
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(c.parked()).labels(Labels.of("state", "parked")).build())
            .build());
      } catch (RuntimeException closed) {
        // the store is closed (daemon stopped): no ledger figures to show
      }
    }
    return out.build();
  }

  private static GaugeSnapshot gauge(String name, String help, double value) {
    return GaugeSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(Labels.EMPTY).build())
        .build();
  }
}
