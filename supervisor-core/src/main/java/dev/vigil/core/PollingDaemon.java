package dev.vigil.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A daemon that does one unit of work, {@link #poll}, at a fixed rate. The schedule comes from the
 * manager's {@link Scheduler} (virtual time in tests). Guarantees:
 *
 * <ul>
 *   <li>single-flight: a poll never overlaps the previous one; a tick that finds one still
 *       running is skipped and counted;
 *   <li>jitter: each delay is spread by the schedule's jitter fraction, so many pollers do not
 *       tick in lockstep;
 *   <li>backoff: after consecutive failures the delay doubles per failure, up to the schedule's
 *       maximum, and drops back to the interval after a success;
 *   <li>prompt stop: a stop cancels the next tick and interrupts a running poll.
 * </ul>
 *
 * A failing poll does not crash the daemon (the backend it polls is usually what is down, and a
 * restart would not help): it shows as {@link HealthStatus#DEGRADED} with the last error. Each
 * finished poll counts as a heartbeat for the watchdog.
 */
public abstract class PollingDaemon implements Daemon {
  private final PollSchedule schedule;
  private volatile DaemonContext ctx;
  private Scheduler.Cancellable nextTick; // guarded by this
  private Thread inFlight; // guarded by this
  private volatile int consecutiveFailures;
  private volatile String lastFailure;
  private volatile Instant lastSuccess;
  private volatile long polls;
  private volatile long skipped;

  /** Polls on {@code schedule}. */
  protected PollingDaemon(PollSchedule schedule) {
    this.schedule = Objects.requireNonNull(schedule, "schedule");
  }

  /** Polls every {@code interval} with the default jitter and backoff of {@link PollSchedule#every}. */
  protected PollingDaemon(Duration interval) {
    this(PollSchedule.every(interval));
  }

  /**
   * One unit of work, on a virtual thread. Throwing counts as a failed poll. Must respond to
   * interruption, which is how a stop reaches it.
   */
  protected abstract void poll(DaemonContext ctx) throws Exception;

  @Override
  public void start(DaemonContext ctx) throws Exception {
    this.ctx = ctx;
    nextTick = ctx.scheduler().schedule(schedule.initialDelay(), this::tick);
  }

  @Override
  public void stop(DaemonContext ctx) throws Exception {
    Thread running;
    synchronized (this) { // after this block no tick starts a poll: isStopping() is already true
      cancelNextTick();
      running = inFlight;
    }
    if (running != null) {
      running.interrupt();
      running.join();
    }
  }

  /** On the scheduler thread: schedules the next tick, then hands the poll to a virtual thread. */
  private synchronized void tick() {
    DaemonContext c = ctx;
    if (c.isStopping()) {
      return;
    }
    nextTick = c.scheduler().schedule(nextDelay(), this::tick);
    if (inFlight != null) {
      skipped++;
      return;
    }
    // assign before starting, so a quick poll's own clean-up cannot run first
    inFlight = DaemonThreads.unstarted(c.type(), "poll", () -> runPoll(c));
    inFlight.start();
  }

  private void runPoll(DaemonContext c) {
    int failuresBefore = consecutiveFailures;
    try {
      poll(c);
      consecutiveFailures = 0;
      lastSuccess = c.clock().instant();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (!c.isStopping()) {
        consecutiveFailures++;
        lastFailure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        c.logger().warn("poll failed ({} in a row)", consecutiveFailures, e);
      }
    } finally {
      polls++;
      c.heartbeat();
      synchronized (this) {
        inFlight = null;
        // the tick that started this poll chose its successor's delay before knowing the outcome
        if (consecutiveFailures != failuresBefore && !c.isStopping()) {
          cancelNextTick();
          nextTick = c.scheduler().schedule(nextDelay(), this::tick);
        }
      }
    }
  }

  private void cancelNextTick() {
    Scheduler.Cancellable t = nextTick;
    if (t != null) {
      t.cancel();
    }
  }

  private Duration nextDelay() {
    long base = schedule.interval().toNanos();
    int failures = consecutiveFailures;
    if (failures > 0) {
      double backedOff = base * Math.pow(2, Math.min(failures, 30));
      base = (long) Math.min(backedOff, schedule.maxBackoff().toNanos());
    }
    double jitter = schedule.jitter();
    if (jitter > 0) {
      base = Math.round(base * (1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1)));
    }
    return Duration.ofNanos(base);
  }

  /**
   * Healthy while the last poll succeeded; degraded, with the last error, after failed ones;
   * unknown before the first poll ends. Override to add checks of your own.
   */
  @Override
  public HealthCheckResult healthCheck() throws Exception {
    Map<String, Object> details =
        Map.of(
            "polls", polls,
            "skipped_ticks", skipped,
            "consecutive_failures", consecutiveFailures,
            "last_success", lastSuccess == null ? "never" : lastSuccess.toString());
    int failures = consecutiveFailures;
    if (failures > 0) {
      return HealthCheckResult.of(
          HealthStatus.DEGRADED, failures + " polls failed in a row: " + lastFailure, details);
    }
    if (lastSuccess == null) {
      return HealthCheckResult.of(HealthStatus.UNKNOWN, "no poll finished yet", details);
    }
    return HealthCheckResult.of(HealthStatus.HEALTHY, "", details);
  }

  /** Consecutive failed polls so far (0 after a success). */
  protected int consecutiveFailures() {
    return consecutiveFailures;
  }

  /** Ticks skipped because the previous poll was still running. */
  protected long skippedTicks() {
    return skipped;
  }

  /**
   * When a {@link PollingDaemon} polls.
   *
   * @param interval the delay between polls while they succeed
   * @param initialDelay the delay before the first poll
   * @param jitter each delay is spread by up to this fraction either way (0 to 1)
   * @param maxBackoff the longest delay after consecutive failures
   */
  public record PollSchedule(
      Duration interval, Duration initialDelay, double jitter, Duration maxBackoff) {

    /** Validates the values, naming the field and value on failure. */
    public PollSchedule {
      Objects.requireNonNull(interval, "interval");
      Objects.requireNonNull(initialDelay, "initialDelay");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      if (interval.isZero() || interval.isNegative()) {
        throw new IllegalArgumentException("poll interval " + interval + " must be positive");
      }
      if (initialDelay.isNegative()) {
        throw new IllegalArgumentException("poll initialDelay " + initialDelay + " is negative");
      }
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new IllegalArgumentException("poll jitter " + jitter + " must be between 0 and 1");
      }
      if (maxBackoff.compareTo(interval) < 0) {
        throw new IllegalArgumentException(
            "poll maxBackoff " + maxBackoff + " is shorter than the interval " + interval);
      }
    }

    /**
     * Every {@code interval}, first poll at once, ±10 % jitter, backoff up to 10 intervals (at
     * least the interval itself).
     */
    public static PollSchedule every(Duration interval) {
      return new PollSchedule(interval, Duration.ZERO, 0.1, interval.multipliedBy(10));
    }

    /** A copy without jitter. */
    public PollSchedule withoutJitter() {
      return new PollSchedule(interval, initialDelay, 0, maxBackoff);
    }

    /** A copy with this first delay. */
    public PollSchedule withInitialDelay(Duration delay) {
      return new PollSchedule(interval, delay, jitter, maxBackoff);
    }

    /** A copy with this jitter fraction. */
    public PollSchedule withJitter(double fraction) {
      return new PollSchedule(interval, initialDelay, fraction, maxBackoff);
    }

    /** A copy with this longest backoff delay. */
    public PollSchedule withMaxBackoff(Duration max) {
      return new PollSchedule(interval, initialDelay, jitter, max);
    }
  }
}
