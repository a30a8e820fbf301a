package dev.vigil.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Everything the supervisor knows about one daemon. Confined to the control loop, except {@link
 * #info}, the immutable view republished after every change and read without locks.
 */
final class Cell {
  static final int HISTORY_LIMIT = 50;

  final DaemonType type;
  final DaemonSpec spec;
  final boolean builtin;
  /** Filled once by the supervisor's constructor; most daemons have none, so no list is made. */
  List<Cell> dependencies = List.of();
  List<Cell> dependents = List.of();

  DaemonState state = DaemonState.STOPPED;
  /** A start was requested and no stop since: the supervisor keeps trying to make it RUNNING. */
  boolean wanted;
  /** A stop was requested and has not finished; it waits for active dependents first. */
  boolean stopPending;
  /** Why the pending stop was requested, for the STOPPING transition. */
  String stopReason;
  /** Requested but not yet RUNNING or FAILED once: the node is not ready while this holds. */
  boolean firstStartPending;
  boolean queued;
  boolean holdsStartSlot;
  boolean restartDue;

  InstanceContext current;
  /** The instance whose stop is still running (after a crash or a requested stop). */
  InstanceContext stoppingInstance;
  /** A crashed instance whose stop has not been handed to a thread yet (see onExit). */
  InstanceContext cleanupPending;

  int attempt;
  int restartCount;
  ArrayDeque<Long> restartTimes;
  long runningSinceNanos;
  Instant startedAt;
  ErrorInfo lastError;
  Instant lastFailureAt;
  Instant nextRestartAt;
  Duration currentBackoff;
  String waitingOn;

  Scheduler.Cancellable startTimer;
  Scheduler.Cancellable stopTimer;
  Scheduler.Cancellable backoffTimer;
  Scheduler.Cancellable healthTimer;
  Scheduler.Cancellable heartbeatTimer;
  Scheduler.Cancellable checkTimeout;

  HealthCheckResult health = Supervisor.NOT_RUNNING;
  int consecutiveFailures;
  /** Consecutive results better than the accepted one: recovery needs the success threshold. */
  int consecutiveSuccesses;
  long healthCheckId;
  boolean checkInFlight;
  Duration lastHealthCheckDuration; // of the last check that completed or timed out

  private ArrayDeque<Transition> history;
  List<Completion> runningWaiters;
  List<Completion> stoppedWaiters;

  volatile DaemonInfo info;

  Cell(DaemonSpec spec, boolean builtin) {
    this.type = spec.type();
    this.spec = spec;
    this.builtin = builtin;
    publish();
  }

  /** Links this cell to one it depends on, both ways. */
  void dependOn(Cell dependency) {
    if (dependencies.isEmpty()) {
      dependencies = new ArrayList<>(spec.dependencies().size());
    }
    dependencies.add(dependency);
    if (dependency.dependents.isEmpty()) {
      dependency.dependents = new ArrayList<>(2);
    }
    dependency.dependents.add(this);
  }

  void record(Transition t) {
    if (history == null) {
      history = new ArrayDeque<>(4);
    }
    if (history.size() == HISTORY_LIMIT) {
      history.removeFirst();
    }
    history.addLast(t);
  }

  List<Transition> history() {
    return history == null ? List.of() : List.copyOf(history);
  }

  void publish() {
    info =
        new DaemonInfo(
            type,
            spec.category(),
            state,
            health,
            restartCount,
            attempt,
            Optional.ofNullable(lastError),
            Optional.ofNullable(state == DaemonState.RUNNING ? startedAt : null),
            Optional.ofNullable(lastFailureAt),
            Optional.ofNullable(state == DaemonState.BACKOFF ? nextRestartAt : null),
            Optional.ofNullable(state == DaemonState.BACKOFF ? currentBackoff : null),
            Optional.ofNullable(waitingOn),
            spec.critical(),
            Optional.ofNullable(lastHealthCheckDuration));
  }


  static void cancel(Scheduler.Cancellable timer) {
    if (timer != null) {
      timer.cancel();
    }
  }

  void cancelRunTimers() {
    cancel(startTimer);
    cancel(healthTimer);
    cancel(heartbeatTimer);
    startTimer = null;
    healthTimer = null;
    heartbeatTimer = null;
  }

  /** Settles {@code waiter} when this daemon next becomes RUNNING (or cannot). */
  void whenRunning(Completion waiter) {
    if (runningWaiters == null) {
      runningWaiters = new ArrayList<>(1);
    }
    runningWaiters.add(waiter);
  }

  /** Settles {@code waiter} when this daemon is no longer live. */
  void whenStopped(Completion waiter) {
    if (stoppedWaiters == null) {
      stoppedWaiters = new ArrayList<>(1);
    }
    stoppedWaiters.add(waiter);
  }

  void settleRunningWaiters() {
    List<Completion> waiters = runningWaiters;
    runningWaiters = null;
    settle(waiters, null);
  }

  /** Fails the waiters for RUNNING; the error is made only if someone waits. */
  void failRunningWaiters(Supplier<? extends Throwable> error) {
    List<Completion> waiters = runningWaiters;
    runningWaiters = null;
    if (waiters != null) {
      settle(waiters, error.get());
    }
  }

  void settleStoppedWaiters() {
    List<Completion> waiters = stoppedWaiters;
    stoppedWaiters = null;
    settle(waiters, null);
  }

  private static void settle(List<Completion> waiters, Throwable failure) {
    if (waiters != null) {
      for (Completion w : waiters) {
        w.settle(failure);
      }
    }
  }
}
