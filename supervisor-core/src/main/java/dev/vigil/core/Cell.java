package dev.vigil.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Everything the supervisor knows about one daemon. Confined to the control loop, except {@link
 * #info}, the immutable view republished after every change and read without locks.
 */
final class Cell {
  static final int HISTORY_LIMIT = 50;

  final DaemonType type;
  final DaemonSpec spec;
  final boolean builtin;
  final List<Cell> dependencies = new ArrayList<>(2);
  final List<Cell> dependents = new ArrayList<>(2);

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

  int attempt;
  int restartCount;
  ArrayDeque<Long> restartTimes;
  long runningSinceNanos;
  Instant startedAt;
  ErrorInfo lastError;
  Throwable lastCause;
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

  private ArrayDeque<Transition> history;
  List<CompletableFuture<Void>> runningWaiters;
  List<CompletableFuture<Void>> stoppedWaiters;

  volatile DaemonInfo info;

  Cell(DaemonSpec spec, boolean builtin) {
    this.type = spec.type();
    this.spec = spec;
    this.builtin = builtin;
    publish();
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
            spec.critical());
  }

  boolean isActive() {
    return state.isActive();
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

  CompletableFuture<Void> whenRunning() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (runningWaiters == null) {
      runningWaiters = new ArrayList<>(1);
    }
    runningWaiters.add(f);
    return f;
  }

  CompletableFuture<Void> whenStopped() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (stoppedWaiters == null) {
      stoppedWaiters = new ArrayList<>(1);
    }
    stoppedWaiters.add(f);
    return f;
  }

  void completeRunningWaiters(Throwable failure) {
    List<CompletableFuture<Void>> waiters = runningWaiters;
    runningWaiters = null;
    complete(waiters, failure);
  }

  void completeStoppedWaiters() {
    List<CompletableFuture<Void>> waiters = stoppedWaiters;
    stoppedWaiters = null;
    complete(waiters, null);
  }

  private static void complete(List<CompletableFuture<Void>> waiters, Throwable failure) {
    if (waiters == null) {
      return;
    }
    for (CompletableFuture<Void> w : waiters) {
      if (failure == null) {
        w.complete(null);
      } else {
        w.completeExceptionally(failure);
      }
    }
  }
}
