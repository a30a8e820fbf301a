package dev.vigil.core.testkit;

import dev.vigil.core.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} and {@link Clock} that move only when a test says so: timers run in virtual
 * time, on the thread that calls {@link #advance(Duration)}, in due order. Hand it to {@link
 * dev.vigil.core.DaemonManager.Builder#scheduler} and {@link dev.vigil.core.DaemonManager.Builder#clock}
 * to test restart and backoff logic, timeouts and polling without waiting.
 *
 * <p>Daemon code still runs on real threads, so a test advances time and then awaits the
 * consequence (for example with Awaitility) instead of sleeping. Thread-safe.
 */
public final class ManualScheduler implements Scheduler {
  private final Instant epoch;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long nowNanos;
  private long sequence;

  /** Starts the virtual clock at {@code epoch}. */
  public ManualScheduler(Instant epoch) {
    this.epoch = epoch;
  }

  /** Starts the virtual clock at 2026-01-01T00:00:00Z. */
  public ManualScheduler() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    long due = nowNanos + Math.min(Math.max(0, saturatedNanos(delay)), Long.MAX_VALUE - nowNanos);
    Task t = new Task(due, sequence++, task);
    tasks.add(t);
    return () -> {
      synchronized (ManualScheduler.this) {
        return tasks.remove(t);
      }
    };
  }

  @Override
  public synchronized long nanoTime() {
    return nowNanos;
  }

  /** The current virtual instant. */
  public synchronized Instant now() {
    return epoch.plusNanos(nowNanos);
  }

  /** A clock that reads this scheduler's virtual time, in UTC. */
  public Clock clock() {
    return new VirtualClock(ZoneOffset.UTC);
  }

  /**
   * Moves virtual time forward by {@code duration}, running every task that falls due on the way at
   * its due time, in order (tasks scheduled meanwhile run too if they fall due within the step).
   *
   * @return how many tasks ran
   */
  public int advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("cannot move time backwards: " + duration);
    }
    long target;
    synchronized (this) {
      target = nowNanos + duration.toNanos();
    }
    int ran = 0;
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due > target) {
          // another thread's longer advance may have overtaken this one: never move back
          nowNanos = Math.max(nowNanos, target);
          return ran;
        }
        tasks.poll();
        nowNanos = Math.max(nowNanos, next.due);
      }
      next.task.run(); // outside the lock, so tasks may schedule more
      ran++;
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** Runs the tasks due now without moving time. */
  public int runDue() {
    return advance(Duration.ZERO);
  }

  /** How far ahead the next task is due, if any is pending. */
  public synchronized Optional<Duration> nextDue() {
    Task next = tasks.peek();
    return next == null ? Optional.empty() : Optional.of(Duration.ofNanos(next.due - nowNanos));
  }

  /** How many tasks are pending. */
  public synchronized int pending() {
    return tasks.size();
  }

  /** The delays from now of all pending tasks, soonest first (for assertions). */
  public synchronized List<Duration> pendingDelays() {
    List<Duration> delays = new ArrayList<>();
    tasks.stream().sorted().forEach(t -> delays.add(Duration.ofNanos(t.due - nowNanos)));
    return delays;
  }

  private record Task(long due, long seq, Runnable task) implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      int byDue = Long.compare(due, o.due);
      return byDue != 0 ? byDue : Long.compare(seq, o.seq);
    }
  }

  private final class VirtualClock extends Clock {
    private final ZoneId zone;

    VirtualClock(ZoneId zone) {
      this.zone = zone;
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
      return new VirtualClock(newZone);
    }

    @Override
    public Instant instant() {
      return now();
    }
  }
}
