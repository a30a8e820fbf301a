package dev.vigil.rounds.poller;

import dev.vigil.core.DaemonContext;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.HealthStatus;
import dev.vigil.core.PollingDaemon;
import dev.vigil.rounds.RoundsMetrics;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.TelemetryException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code TELEMETRY_POLLER} daemon: runs a {@link PollCycle} on the core's polling skeleton
 * (fixed rate with jitter, single-flight, backoff after failures) and publishes the signature events
 * of each committed batch on the supervisor's event bus.
 *
 * <p>Health, from the freshest facts of this instance:
 *
 * <ul>
 *   <li>{@code unknown} until the first cycle ends;
 *   <li>{@code unhealthy} when a cycle has been running longer than {@link Health#stuckAfter}, or
 *       no cycle has succeeded for {@link Health#unhealthyAfter} (a restart gets a fresh
 *       instance: fresh connections to the backend);
 *   <li>{@code degraded} after a failed cycle (with the error's kind; {@code backend_reachable} is
 *       false after a timeout or an unreachable backend), when the last success is older than
 *       {@link Health#staleAfter}, or while a backlog is recorded or the watermark lags more than
 *       {@link Health#maxLag};
 *   <li>{@code healthy} otherwise.
 * </ul>
 */
public final class TelemetryPoller extends PollingDaemon {
  private final PollCycle cycle;
  private final RoundsMetrics metrics;
  private final Health health;
  private volatile DaemonContext ctx;
  private volatile Instant startedAt;
  private volatile Instant cycleStartedAt;
  private volatile Instant lastSuccess;
  private volatile PollCycle.Report lastReport;
  private volatile String lastErrorKind;
  private volatile String lastError;
  private volatile boolean reachable = true;
  private volatile int failures;

  /**
   * When the poller's health turns.
   *
   * @param staleAfter degraded when the last good cycle is older than this
   * @param unhealthyAfter unhealthy when no cycle has succeeded for this long
   * @param stuckAfter unhealthy when one cycle runs longer than this
   * @param maxLag degraded when the watermark is further behind the clock than this
   */
  public record Health(Duration staleAfter, Duration unhealthyAfter, Duration stuckAfter, Duration maxLag) {
    /** Checks the values. */
    public Health {
      Objects.requireNonNull(staleAfter, "staleAfter");
      Objects.requireNonNull(unhealthyAfter, "unhealthyAfter");
      Objects.requireNonNull(stuckAfter, "stuckAfter");
      Objects.requireNonNull(maxLag, "maxLag");
    }

    /**
     * Defaults for a poll interval: stale after 3 intervals, unhealthy after 30 intervals (at
     * least 30 minutes), stuck after 10 intervals (at least 10 minutes), lag over 10 minutes plus
     * 2 intervals.
     */
    public static Health forInterval(Duration interval) {
      return new Health(
          interval.multipliedBy(3),
          max(interval.multipliedBy(30), Duration.ofMinutes(30)),
          max(interval.multipliedBy(10), Duration.ofMinutes(10)),
          Duration.ofMinutes(10).plus(interval.multipliedBy(2)));
    }

    private static Duration max(Duration a, Duration b) {
      return a.compareTo(b) >= 0 ? a : b;
    }
  }

  /** A poller running {@code cycle} on {@code schedule}. */
  public TelemetryPoller(PollSchedule schedule, PollCycle cycle, RoundsMetrics metrics, Health health) {
    super(schedule);
    this.cycle = Objects.requireNonNull(cycle, "cycle");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.health = Objects.requireNonNull(health, "health");
  }

  @Override
  public void start(DaemonContext ctx) throws Exception {
    this.ctx = ctx;
    this.startedAt = ctx.clock().instant();
    super.start(ctx);
  }

  @Override
  protected void poll(DaemonContext ctx) throws Exception {
    String source = cycle.source().name();
    long t0 = ctx.scheduler().nanoTime();
    cycleStartedAt = ctx.clock().instant();
    try {
      PollCycle.Report report = cycle.run(e -> ctx.events().publish((Record) e));
      double seconds = (ctx.scheduler().nanoTime() - t0) / 1e9;
      Instant now = ctx.clock().instant();
      double lag =
          report.watermark() == null
              ? 0
              : Math.max(0, Duration.between(report.watermark(), now).toMillis() / 1000.0);
      metrics.polled(source, seconds, report.skippedRows(), report.filtered(), lag);
      lastReport = report;
      lastSuccess = now;
      failures = 0;
      reachable = true;
      var r = report.result();
      if (r.accepted() > 0 || report.skippedRows() > 0) {
        ctx.logger()
            .info(
                "polled {}: {} events, {} counted, {} duplicates, {} new signatures, {} rows skipped{}",
                source,
                report.fetched(),
                r.accepted(),
                r.duplicates(),
                r.newSignatures(),
                report.skippedRows(),
                report.backlogFrom() == null ? "" : ", backlog from " + report.backlogFrom());
      }
    } catch (TelemetryException e) {
      failed(source, t0, e.kind().name().toLowerCase(Locale.ROOT), e);
      reachable =
          e.kind() != TelemetryException.Kind.UNREACHABLE && e.kind() != TelemetryException.Kind.TIMEOUT;
      throw e;
    } catch (StoreException e) {
      failed(source, t0, "store", e);
      throw e;
    } catch (RuntimeException e) {
      failed(source, t0, "internal", e);
      throw e;
    } finally {
      cycleStartedAt = null;
    }
  }

  private void failed(String source, long t0, String kind, Exception e) {
    DaemonContext c = ctx;
    if (c.isStopping()) {
      return;
    }
    metrics.pollFailed(source, (c.scheduler().nanoTime() - t0) / 1e9, kind);
    failures++;
    lastErrorKind = kind;
    lastError = e.getMessage();
  }

  @Override
  public HealthCheckResult healthCheck() {
    DaemonContext c = ctx;
    Instant now = c == null ? Instant.EPOCH : c.clock().instant();
    PollCycle.Report report = lastReport;
    Instant success = lastSuccess;
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("source", cycle.source().name());
    details.put("last_success", success == null ? "never" : success.toString());
    if (success != null) {
      details.put("last_success_age_seconds", Duration.between(success, now).toSeconds());
    }
    details.put("consecutive_failures", failures);
    details.put("backend_reachable", reachable);
    if (lastErrorKind != null) {
      details.put("last_error_kind", lastErrorKind);
    }
    Duration lag = null;
    if (report != null && report.watermark() != null) {
      lag = Duration.between(report.watermark(), now);
      details.put("watermark", report.watermark().toString());
      details.put("watermark_lag_seconds", Math.max(0, lag.toSeconds()));
    }
    boolean backlog = report != null && report.backlogFrom() != null;
    details.put("backlog", backlog);
    if (backlog) {
      details.put("backlog_from", report.backlogFrom().toString());
    }

    Instant running = cycleStartedAt;
    if (running != null && Duration.between(running, now).compareTo(health.stuckAfter()) > 0) {
      return HealthCheckResult.of(
          HealthStatus.UNHEALTHY, "a poll has been running since " + running + ", stuck", details);
    }
    Instant since = success != null ? success : startedAt;
    if (since != null
        && failures > 0
        && Duration.between(since, now).compareTo(health.unhealthyAfter()) > 0) {
      return HealthCheckResult.of(
          HealthStatus.UNHEALTHY,
          "no successful poll since " + since + "; " + failureText(),
          details);
    }
    if (failures > 0) {
      return HealthCheckResult.of(HealthStatus.DEGRADED, failureText(), details);
    }
    if (success == null) {
      return HealthCheckResult.of(HealthStatus.UNKNOWN, "no poll finished yet", details);
    }
    if (Duration.between(success, now).compareTo(health.staleAfter()) > 0) {
      return HealthCheckResult.of(
          HealthStatus.DEGRADED, "the last successful poll was at " + success, details);
    }
    if (backlog) {
      return HealthCheckResult.of(
          HealthStatus.DEGRADED,
          "backlog: events from " + report.backlogFrom() + " on are still to be read",
          details);
    }
    if (lag != null && lag.compareTo(health.maxLag()) > 0) {
      return HealthCheckResult.of(
          HealthStatus.DEGRADED, "the watermark is " + lag.toSeconds() + " s behind", details);
    }
    return HealthCheckResult.of(HealthStatus.HEALTHY, "", details);
  }

  private String failureText() {
    return failures + " polls failed in a row (" + lastErrorKind + "): " + lastError;
  }
}
