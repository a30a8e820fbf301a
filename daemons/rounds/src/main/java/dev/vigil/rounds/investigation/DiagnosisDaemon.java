package dev.vigil.rounds.investigation;

import dev.vigil.core.DaemonContext;
import dev.vigil.core.EventBus;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.HealthStatus;
import dev.vigil.core.PollingDaemon;
import dev.vigil.rounds.SignatureEvent;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.diagnosis.BudgetGate;
import dev.vigil.rounds.notify.Notification;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code DIAGNOSIS} daemon: sweeps every {@link InvestigationSettings#interval} ({@link
 * Investigator#cycle}: due signatures, stranded leases, retries, recurrences, queued notifications) and
 * investigates a signature at once when the pipeline announces it reached the threshold ({@link
 * SignatureEvent.ThresholdReached}); a regression ({@link SignatureEvent.Regressed}) is notified
 * (a GitHub issue reopened). It opens its own connection to the store when it starts (killing
 * the model process groups a dead node of this host left running, settling their budget
 * reservations as expired, and expiring the reservations a crashed run left open past their hold;
 * see {@link LeftoverProcesses}) and gives back the leases of investigations it interrupts when
 * it stops.
 *
 * <p>Health: degraded with "budget exhausted until 00:00 UTC" while the day's model budget has no
 * room for a call; details carry the backend, today's spend and what remains, and the
 * notifications waiting in the store's queue and parked there.
 */
public final class DiagnosisDaemon extends PollingDaemon {
  private final DiagnosisDaemons.Parts parts;
  private volatile DiagnosisDaemons.Running running;
  private volatile EventBus.Subscription subscription;

  DiagnosisDaemon(DiagnosisDaemons.Parts parts) {
    super(PollSchedule.every(parts.settings().interval()).withInitialDelay(java.time.Duration.ZERO));
    this.parts = parts;
  }

  @Override
  public void start(DaemonContext ctx) throws Exception {
    DiagnosisDaemons.Running r = parts.open();
    running = r;
    reapLeftovers(ctx, r);
    int expired = r.store().expireStaleReservations(ctx.clock().instant());
    if (expired > 0) {
      ctx.logger().warn("{} budget reservation(s) left open by a stopped run expired, charged at their cap", expired);
    }
    Investigator inv = r.investigator();
    subscription = ctx.events().subscribe(SignatureEvent.ThresholdReached.class, e -> {
      if (e.signature().status() != SignatureStatus.MUTED && e.signature().status() != SignatureStatus.RESOLVED) {
        inv.investigateNow(e.signature().id());
      }
    });
    EventBus.Subscription regressions = ctx.events().subscribe(SignatureEvent.Regressed.class,
        e -> inv.notify(new Notification.Regressed(Investigator.facts(e.signature()))));
    EventBus.Subscription thresholds = subscription;
    subscription = () -> {
      thresholds.close();
      regressions.close();
    };
    ctx.logger().info("investigating with the {} backend as {}", inv.backendName(), inv.owner());
    super.start(ctx);
  }

  /**
   * Kills the model processes a dead node (or CLI) of this host left running and settles their
   * reservations; at start, and at each sweep for another node on this host that died meanwhile.
   */
  private static void reapLeftovers(DaemonContext ctx, DiagnosisDaemons.Running r) {
    for (LeftoverProcesses.Reaped done : r.leftovers().reap()) {
      ctx.logger().warn("{}", done.describe());
    }
  }

  @Override
  protected void poll(DaemonContext ctx) throws Exception {
    try {
      reapLeftovers(ctx, running);
    } catch (RuntimeException e) {
      // the sweep's investigations do not depend on it; the next sweep tries again
      ctx.logger().warn("could not deal with left-over model processes: {}", e.toString());
    }
    Investigator.Report report = running.investigator().cycle();
    if (report.started() > 0 || report.recurrences() > 0) {
      ctx.logger().info("sweep: {} investigation(s), {} diagnosed, {} recurrence(s) notified",
          report.started(), report.diagnosed(), report.recurrences());
    }
  }

  @Override
  public void stop(DaemonContext ctx) throws Exception {
    EventBus.Subscription s = subscription;
    if (s != null) {
      s.close();
    }
    super.stop(ctx);
    DiagnosisDaemons.Running r = running;
    if (r != null) {
      r.close();
    }
  }

  @Override
  public HealthCheckResult healthCheck() throws Exception {
    HealthCheckResult base = super.healthCheck();
    DiagnosisDaemons.Running r = running;
    if (r == null) {
      return base;
    }
    Investigator inv = r.investigator();
    Map<String, Object> details = new LinkedHashMap<>(base.details());
    details.put("backend", inv.backendName());
    details.put("needs_human", r.store().needsHumanCount());
    SqliteNotificationQueue.Counts queued = r.queue().counts();
    details.put("notifications_waiting", queued.waiting());
    details.put("notifications_parked", queued.parked());
    if (inv.callsModel()) {
      BudgetGate.BudgetSnapshot b = inv.budget().snapshot();
      details.put("budget_spent_today_usd", b.spentUsd().toPlainString());
      details.put("budget_remaining_usd", b.remainingUsd().toPlainString());
      Optional<Instant> until = inv.budgetExhaustedUntil();
      if (until.isPresent() || b.remainingUsd().compareTo(r.perCallUsd()) < 0) {
        return HealthCheckResult.of(HealthStatus.DEGRADED,
            "budget exhausted until " + r.resetText(b.resetsAt()), details);
      }
    }
    return HealthCheckResult.of(base.status(), base.message(), details);
  }
}
