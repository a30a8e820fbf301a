package dev.vigil.core;

import static dev.vigil.core.DaemonState.BACKOFF;
import static dev.vigil.core.DaemonState.FAILED;
import static dev.vigil.core.DaemonState.RUNNING;
import static dev.vigil.core.DaemonState.STARTING;
import static dev.vigil.core.DaemonState.STOPPED;
import static dev.vigil.core.DaemonState.STOPPING;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor actor behind {@link DaemonManager}. Every method whose name starts with {@code on},
 * {@code try}, {@code launch} or {@code request} runs on the {@link ControlLoop} and is the only
 * code that changes a {@link Cell}. Daemon code runs on virtual threads and reports back by posting
 * messages; timers post messages too. Nothing here blocks.
 */
final class Supervisor {
  static final HealthCheckResult NOT_RUNNING = HealthCheckResult.unknown("not running");
  static final HealthCheckResult NOT_CHECKED = HealthCheckResult.unknown("not checked yet");
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(DaemonManager.class);

  private final Map<DaemonType, Cell> cells = new LinkedHashMap<>();
  /** Registered daemons in declaration order, then the built-ins: the order shutdown settles in. */
  private final List<Cell> shutdownOrder = new ArrayList<>();
  private final DaemonRegistry registry;
  private final ControlLoop control;
  private final Scheduler scheduler;
  private final boolean ownsScheduler;
  private final Clock clock;
  private final RandomGenerator random;
  private final int startConcurrency;
  private final EventRouter events;
  private final CopyOnWriteArrayList<SerialDispatcher<LifecycleEvent>> listeners =
      new CopyOnWriteArrayList<>();
  private final AtomicLong healthChecksRun = new AtomicLong();
  private final AtomicLong healthChecksTimedOut = new AtomicLong();

  // confined to the control loop
  private int startsInFlight;
  private final ArrayDeque<Cell> startQueue = new ArrayDeque<>();
  private boolean healthChecksOn;
  private volatile boolean shuttingDown;
  private Shutdown shutdown;

  Supervisor(
      DaemonRegistry userRegistry,
      Clock clock,
      Scheduler scheduler,
      boolean ownsScheduler,
      RandomGenerator random,
      int startConcurrency,
      int eventQueueCapacity,
      String name) {
    this.clock = clock;
    this.scheduler = scheduler;
    this.ownsScheduler = ownsScheduler;
    this.random = random;
    this.startConcurrency = startConcurrency;
    this.events = new EventRouter(eventQueueCapacity);
    this.registry =
        userRegistry.with(BuiltinDaemons.specs(this, events)).requireValid();
    Set<DaemonType> userTypes = userRegistry.types();
    for (DaemonSpec spec : registry.specs()) {
      cells.put(spec.type(), new Cell(spec, !userTypes.contains(spec.type())));
    }
    cells.values().stream().filter(c -> !c.builtin).forEach(shutdownOrder::add);
    cells.values().stream().filter(c -> c.builtin).forEach(shutdownOrder::add);
    for (Cell cell : cells.values()) {
      for (DaemonType dep : cell.spec.dependencies()) {
        cell.dependOn(cells.get(dep));
      }
    }
    this.control = new ControlLoop(name + "-control");
  }

  // ---------------------------------------------------------------- plumbing

  boolean post(Runnable message) {
    return control.post(message);
  }

  Scheduler scheduler() {
    return scheduler;
  }

  Clock clock() {
    return clock;
  }

  EventBus events() {
    return events;
  }

  DaemonRegistry registry() {
    return registry;
  }

  Cell cell(DaemonType type) {
    Cell cell = cells.get(type);
    if (cell == null) {
      throw new IllegalArgumentException(
          "unknown daemon " + type + " (known: " + registry.typeNames() + ")");
    }
    return cell;
  }

  /** Runs {@code task} once the current message is done (at once if the loop has closed). */
  private void afterThisMessage(Runnable task) {
    if (!post(task)) {
      task.run();
    }
  }

  private static final Scheduler.Cancellable ALREADY_POSTED = () -> false;

  /** Posts {@code message} after {@code delay}; a zero delay posts it now, skipping the timer. */
  private Scheduler.Cancellable after(Duration delay, Runnable message) {
    if (delay.isZero()) {
      post(message);
      return ALREADY_POSTED;
    }
    return scheduler.schedule(delay, () -> post(message));
  }

  private void emit(LifecycleEvent event) {
    for (SerialDispatcher<LifecycleEvent> l : listeners) {
      l.offer(event);
    }
  }

  Runnable addListener(LifecycleListener listener) {
    SerialDispatcher<LifecycleEvent> d =
        new SerialDispatcher<>("vigil-listener", listener::onEvent, Integer.MAX_VALUE);
    listeners.add(d);
    return () -> {
      listeners.remove(d);
      d.close();
    };
  }

  private void moveTo(Cell cell, DaemonState next, String reason) {
    moveTo(cell, next, reason, clock.instant());
  }

  private void moveTo(Cell cell, DaemonState next, String reason, Instant at) {
    DaemonState from = cell.state;
    if (!from.canMoveTo(next)) {
      throw new IllegalStateException(
          "illegal transition of daemon " + cell.type + ": " + from + " -> " + next + " (" + reason + ")");
    }
    cell.state = next;
    cell.record(new Transition(at, from, next, reason));
    cell.publish();
    for (Cell d : cell.dependents) {
      if (d.waitingOn != null) { // keep "waiting on X: STATE" current
        String waitingOnThis = "waiting on " + cell.type + ": ";
        if (d.waitingOn.startsWith(waitingOnThis)) {
          d.waitingOn = waitingOnThis + next;
          d.publish();
        }
      }
    }
    if (log.isDebugEnabled()) {
      log.debug("daemon={} from={} to={} reason={}", cell.type, from, next, reason);
    }
  }

  /** True while an instance of the daemon may still be executing code. */
  private static boolean live(Cell cell) {
    return cell.state.isActive() || cell.stoppingInstance != null;
  }

  // ---------------------------------------------------------------- requests

  /** Wants {@code roots}, their dependencies and the built-ins RUNNING. */
  void requestStart(Collection<DaemonType> roots, CompletableFuture<Void> done) {
    if (shuttingDown) {
      done.completeExceptionally(new IllegalStateException("the manager is shutting down"));
      return;
    }
    List<DaemonType> all = new ArrayList<>(roots);
    for (Cell c : cells.values()) {
      if (c.builtin) {
        all.add(c.type);
      }
    }
    Set<DaemonType> wantedTypes = registry.withDependencies(all);
    List<Cell> closure = new ArrayList<>(wantedTypes.size());
    for (Cell c : cells.values()) { // declaration order, so failures are reported predictably
      if (wantedTypes.contains(c.type)) {
        closure.add(c);
      }
    }
    Completion completion = new Completion(closure.size(), done, this::afterThisMessage);
    for (Cell c : closure) {
      if (c.state == FAILED) {
        completion.settle(notRunning(c, "reset it first"));
        continue;
      }
      c.stopPending = false;
      if (!c.wanted) {
        c.wanted = true;
        c.attempt = 0;
        c.firstStartPending = c.state != RUNNING;
      }
      if (c.state == RUNNING) {
        completion.settle(null);
      } else {
        c.whenRunning(completion);
      }
    }
    for (Cell c : closure) {
      tryLaunch(c);
    }
  }

  /** Stops {@code type} and everything that depends on it, dependents first. */
  void requestStop(DaemonType type, boolean keepWanted, CompletableFuture<Void> done) {
    Cell root = cell(type);
    if (keepWanted && !root.wanted && !live(root)) {
      requestStart(List.of(type), done); // restarting a daemon that is not running starts it
      return;
    }
    Set<Cell> set = withDependents(List.of(root));
    // what is stopped only because it is bound to root (and what depends on that) comes back
    // with root, as it does after a crash of root
    Set<Cell> kept = keepWanted ? set : withDependents(boundClosure(root));
    List<Cell> restarted = new ArrayList<>();
    for (Cell c : set) {
      if (keepWanted && c.wanted && c.state != FAILED) {
        restarted.add(c);
      }
    }
    Completion completion = new Completion(set.size() + restarted.size(), done, this::afterThisMessage);
    for (Cell c : restarted) {
      c.attempt = 0;
      c.restartTimes = null;
      c.whenRunning(completion);
    }
    for (Cell c : set) {
      if (!kept.contains(c)) {
        unwant(c, "stop requested");
      }
      requestStopOf(c, keepWanted ? "restart requested" : "stop requested");
    }
    for (Cell c : set) {
      tryStop(c);
    }
    // only now: a daemon in BACKOFF or STOPPED has just settled, and must be seen settled
    for (Cell c : set) {
      if (live(c)) {
        c.whenStopped(completion);
      } else {
        completion.settle(null);
      }
    }
  }

  /** Clears FAILED, forgetting the restart attempts. Does not start the daemon. */
  void requestReset(DaemonType type, CompletableFuture<Void> done) {
    Cell c = cell(type);
    if (c.state == FAILED) {
      reset(c);
    }
    done.complete(null);
  }

  private void reset(Cell c) {
    c.attempt = 0;
    c.restartTimes = null;
    moveTo(c, STOPPED, "reset by request");
    afterSettled(c);
  }

  private void unwant(Cell c, String why) {
    c.wanted = false;
    c.firstStartPending = false;
    c.waitingOn = null;
    if (c.queued) {
      startQueue.remove(c);
      c.queued = false;
    }
    c.publish();
    c.failRunningWaiters(() -> notRunning(c, why));
  }

  private IllegalStateException notRunning(Cell c, String why) {
    IllegalStateException e =
        new IllegalStateException(
            "Expected daemon " + c.type + " to be RUNNING, but it is " + c.state + " (" + why + ")");
    if (c.state == FAILED && c.lastError != null) {
      e.initCause(c.lastError.cause());
    }
    return e;
  }

  /** The daemons bound to {@code root}, directly or through other bound daemons. */
  private static Set<Cell> boundClosure(Cell root) {
    Set<Cell> bound = new LinkedHashSet<>();
    ArrayDeque<Cell> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      Cell c = todo.pop();
      for (Cell d : c.dependents) {
        if (d.spec.bindsTo().contains(c.type) && bound.add(d)) {
          todo.push(d);
        }
      }
    }
    return bound;
  }

  private static Set<Cell> withDependents(Collection<Cell> roots) {
    Set<Cell> set = new LinkedHashSet<>();
    ArrayDeque<Cell> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      Cell c = todo.pop();
      if (set.add(c)) {
        todo.addAll(c.dependents);
      }
    }
    return set;
  }

  // ---------------------------------------------------------------- starting

  /** Starts the daemon if it is wanted, down, and every dependency is RUNNING and staying. */
  private void tryLaunch(Cell c) {
    if (!c.wanted || shuttingDown || c.queued || c.stopPending) {
      return;
    }
    if (!(c.state == STOPPED || (c.state == BACKOFF && c.restartDue))) {
      return;
    }
    if (c.stoppingInstance != null && c.stoppingInstance != c.cleanupPending) {
      return; // the previous instance is still stopping on its own thread
    }
    for (Cell dep : c.dependencies) {
      if (dep.state == FAILED) {
        block(c, dep);
        return;
      }
      if (dep.state != RUNNING || dep.stopPending) {
        String waiting = "waiting on " + dep.type + ": " + dep.state;
        if (!waiting.equals(c.waitingOn)) {
          c.waitingOn = waiting;
          c.publish();
        }
        return;
      }
    }
    c.waitingOn = null;
    if (startsInFlight >= startConcurrency) {
      c.queued = true;
      startQueue.add(c);
      return;
    }
    launchStart(c);
  }

  /** Marks {@code c} and what waits on it as blocked by the FAILED {@code failed}. */
  private void block(Cell c, Cell failed) {
    c.waitingOn = "waiting on " + failed.type + ": FAILED";
    c.firstStartPending = false;
    c.publish();
    c.failRunningWaiters(
        () ->
            new IllegalStateException(
                "Expected daemon "
                    + c.type
                    + " to start, but it is waiting on "
                    + failed.type
                    + ", which is FAILED"));
    for (Cell d : c.dependents) {
      if (d.wanted && (d.state == STOPPED || d.state == BACKOFF)) {
        block(d, failed);
      }
    }
  }

  private void launchStart(Cell c) {
    boolean restart = c.state == BACKOFF;
    c.restartDue = false;
    c.waitingOn = null;
    startsInFlight++;
    c.holdsStartSlot = true;
    InstanceContext ctx = new InstanceContext(this, c, c.attempt + 1);
    c.current = ctx;
    moveTo(c, STARTING, restart ? "restart " + c.attempt + " after backoff" : "start requested");
    emit(new LifecycleEvent.Starting(c.type, clock.instant(), ctx.attempt()));
    c.startTimer = after(c.spec.startTimeout(), () -> onStartTimeout(ctx));
    // a crashed predecessor whose stop has not begun is stopped first, on this same thread: one
    // thread hand-off less per restart, and the new instance still never overlaps the old one
    InstanceContext previous = c.cleanupPending;
    c.cleanupPending = null;
    Thread t =
        DaemonThreads.unstarted(
            c.type,
            "start",
            () -> {
              if (previous != null) {
                runStop(previous, true);
                Thread.interrupted(); // an interrupt meant for the old stop is not for us
              }
              runStart(ctx);
            });
    ctx.startThread = t;
    t.start();
  }

  /** On the daemon's start thread. */
  private void runStart(InstanceContext ctx) {
    if (ctx.stopping) {
      ctx.startThread = null; // stopped before it began: nothing to start
      return;
    }
    try {
      Daemon daemon = ctx.cell.spec.newInstance();
      ctx.daemon = daemon;
      daemon.start(ctx);
      post(() -> onStartReturned(ctx));
    } catch (Throwable t) {
      ctx.fail(t);
    } finally {
      ctx.startThread = null; // lets a terminated thread be collected while the daemon idles
    }
  }

  private void releaseStartSlot(Cell c) {
    if (!c.holdsStartSlot) {
      return;
    }
    c.holdsStartSlot = false;
    startsInFlight--;
    while (startsInFlight < startConcurrency && !startQueue.isEmpty()) {
      Cell next = startQueue.poll();
      next.queued = false;
      tryLaunch(next);
    }
  }

  void onStartReturned(InstanceContext ctx) {
    Cell c = ctx.cell;
    if (ctx == c.current
        && c.state == STARTING
        && (c.spec.readiness() == ReadinessMode.ON_RETURN || ctx.readySignalled())) {
      onReady(c);
    }
  }

  void onReadySignalled(InstanceContext ctx) {
    Cell c = ctx.cell;
    if (ctx == c.current && c.state == STARTING && c.spec.readiness() == ReadinessMode.SIGNALLED) {
      onReady(c);
    }
  }

  private void onStartTimeout(InstanceContext ctx) {
    Cell c = ctx.cell;
    if (ctx == c.current && c.state == STARTING) {
      onExit(
          ctx,
          new DaemonFault(
              DaemonFault.Kind.START_TIMEOUT,
              c.type + " did not become ready within " + format(c.spec.startTimeout())));
    }
  }

  private void onReady(Cell c) {
    Cell.cancel(c.startTimer);
    c.startTimer = null;
    releaseStartSlot(c);
    c.runningSinceNanos = scheduler.nanoTime();
    c.startedAt = clock.instant();
    c.firstStartPending = false;
    c.health = NOT_CHECKED;
    c.consecutiveFailures = 0;
    c.consecutiveSuccesses = 0;
    c.current.lastBeatNanos = c.runningSinceNanos;
    moveTo(
        c,
        RUNNING,
        c.attempt == 0 ? "ready" : "ready after " + c.attempt + " restarts in a row",
        c.startedAt);
    emit(new LifecycleEvent.Running(c.type, c.startedAt));
    c.settleRunningWaiters();
    if (healthChecksOn) {
      watch(c);
    }
    for (Cell d : c.dependents) {
      tryLaunch(d);
    }
  }

  // ---------------------------------------------------------------- exits and restarts

  /**
   * The instance ended: {@code cause} null for a normal exit, else a crash, a timeout, a failed
   * liveness check or a missed heartbeat. Cleans the instance up and applies the restart policy.
   */
  void onExit(InstanceContext ctx, Throwable cause) {
    Cell c = ctx.cell;
    if (ctx != c.current || !(c.state == STARTING || c.state == RUNNING)) {
      log.debug("daemon={} ignored exit of a superseded instance {}", c.type, ctx, cause);
      return;
    }
    boolean abnormal = cause != null;
    boolean wasRunning = c.state == RUNNING;
    c.cancelRunTimers();
    releaseStartSlot(c);
    c.current = null;
    c.health = NOT_RUNNING;
    c.checkInFlight = false;
    Instant now = clock.instant();
    long nowNanos = scheduler.nanoTime();
    String what = abnormal ? describe(cause) : "exited normally";
    if (abnormal) {
      c.lastError = ErrorInfo.of(cause, now);
      c.lastFailureAt = now;
      emit(new LifecycleEvent.Failed(c.type, now, cause));
    }
    beginStop(c, ctx);
    c.cleanupPending = ctx;

    RestartPolicy policy = c.spec.restartPolicy();
    if (shuttingDown || !c.wanted) {
      moveTo(c, STOPPED, what);
    } else if (!policy.restartsAfter(abnormal)) {
      if (abnormal) {
        giveUp(c, what + "; a " + policy.type() + " daemon is not restarted");
      } else {
        unwant(c, what);
        moveTo(c, STOPPED, what + "; a " + policy.type() + " daemon is not restarted");
      }
    } else {
      if (wasRunning && nowNanos - c.runningSinceNanos >= policy.resetAfter().toNanos()) {
        c.attempt = 0; // a stable run forgets earlier attempts
      }
      int next = c.attempt + 1;
      if (!policy.allowsAttempt(next)) {
        giveUp(c, what + "; restart budget spent (" + c.attempt + " restarts in a row)");
      } else if (intensityExceeded(c, policy, nowNanos)) {
        RestartPolicy.Intensity i = policy.intensity().orElseThrow();
        giveUp(
            c,
            what
                + "; more than "
                + i.maxRestarts()
                + " restarts within "
                + format(i.window()));
      } else {
        scheduleRestart(c, next, what, now);
      }
    }
    if (abnormal) {
      logCrash(c, cause, what);
    }
    stopBoundDependents(c);
    afterSettled(c); // an immediate restart launched here runs the pending cleanup first
    if (c.cleanupPending == ctx) {
      c.cleanupPending = null;
      DaemonThreads.start(c.type, "stop", () -> runStop(ctx, true));
    }
  }

  private void scheduleRestart(Cell c, int attempt, String what, Instant now) {
    RestartPolicy policy = c.spec.restartPolicy();
    c.attempt = attempt;
    c.restartCount++;
    Duration delay = policy.delay(attempt, random.nextDouble());
    c.currentBackoff = delay;
    c.nextRestartAt = now.plus(delay);
    moveTo(c, BACKOFF, what + "; restart " + attempt + " in " + format(delay));
    emit(new LifecycleEvent.BackoffScheduled(c.type, now, attempt, delay));
    if (delay.isZero()) {
      c.restartDue = true; // restarted in this same message, on the crashed instance's stop thread
      return;
    }
    int token = c.restartCount;
    c.backoffTimer = after(delay, () -> onBackoffElapsed(c, token));
  }

  private void onBackoffElapsed(Cell c, int token) {
    if (c.state == BACKOFF && c.restartCount == token) {
      c.backoffTimer = null;
      c.restartDue = true;
      tryLaunch(c);
    }
  }

  private boolean intensityExceeded(Cell c, RestartPolicy policy, long nowNanos) {
    if (policy.intensity().isEmpty()) {
      return false;
    }
    RestartPolicy.Intensity intensity = policy.intensity().get();
    if (c.restartTimes == null) {
      c.restartTimes = new ArrayDeque<>();
    }
    long windowStart = nowNanos - intensity.window().toNanos();
    while (!c.restartTimes.isEmpty() && c.restartTimes.peekFirst() <= windowStart) {
      c.restartTimes.removeFirst();
    }
    c.restartTimes.addLast(nowNanos);
    return c.restartTimes.size() > intensity.maxRestarts();
  }

  private void giveUp(Cell c, String reason) {
    moveTo(c, FAILED, reason);
    unwant(c, "gave up: " + reason);
    emit(new LifecycleEvent.GaveUp(c.type, clock.instant(), reason));
    log.error("daemon={} gave up: {}", c.type, reason);
    for (Cell d : c.dependents) {
      if (d.wanted && (d.state == STOPPED || d.state == BACKOFF)) {
        block(d, c);
      }
    }
  }

  private void logCrash(Cell c, Throwable cause, String what) {
    // the level rises as failures repeat, so one blip is a warning and a crash loop an error
    if (c.state == FAILED || c.attempt >= 3) {
      log.error("daemon={} state={} attempt={} crashed: {}", c.type, c.state, c.attempt, what, cause);
    } else {
      log.warn("daemon={} state={} attempt={} crashed: {}", c.type, c.state, c.attempt, what, cause);
    }
  }

  private static String describe(Throwable cause) {
    if (cause instanceof DaemonFault fault) {
      return fault.getMessage();
    }
    String message = cause.getMessage();
    return "crashed: "
        + cause.getClass().getSimpleName()
        + (message == null || message.isEmpty() ? "" : ": " + message);
  }

  /** Stops the daemons bound to {@code c}, and their dependents, keeping them wanted. */
  private void stopBoundDependents(Cell c) {
    Set<Cell> bound = boundClosure(c);
    if (bound.isEmpty()) {
      return;
    }
    Set<Cell> set = withDependents(bound);
    for (Cell d : set) {
      requestStopOf(d, "bound to " + c.type + ", which is " + c.state);
    }
    for (Cell d : set) {
      tryStop(d);
    }
  }

  // ---------------------------------------------------------------- stopping

  private static void requestStopOf(Cell c, String reason) {
    c.stopPending = true;
    c.stopReason = reason;
  }

  /** Stops {@code c} once no dependent is live; a stop in BACKOFF just calls the restart off. */
  private void tryStop(Cell c) {
    if (!c.stopPending) {
      return;
    }
    String reason = c.stopReason;
    switch (c.state) {
      case STOPPED, FAILED -> {
        c.stopPending = false;
        if (!live(c)) {
          c.settleStoppedWaiters();
        }
        tryLaunch(c);
      }
      case BACKOFF -> {
        Cell.cancel(c.backoffTimer);
        c.backoffTimer = null;
        c.restartDue = false;
        c.stopPending = false;
        moveTo(c, STOPPED, reason);
        afterSettled(c);
      }
      case STOPPING -> {}
      case STARTING, RUNNING -> {
        for (Cell d : c.dependents) {
          if (live(d)) {
            return; // the dependent's settling retries this stop
          }
        }
        launchStop(c, reason);
      }
    }
  }

  private void launchStop(Cell c, String reason) {
    boolean wasStarting = c.state == STARTING;
    InstanceContext ctx = c.current;
    c.cancelRunTimers();
    releaseStartSlot(c);
    c.current = null;
    c.health = NOT_RUNNING;
    c.checkInFlight = false;
    moveTo(c, STOPPING, reason);
    emit(new LifecycleEvent.Stopping(c.type, clock.instant(), reason));
    stopInstance(c, ctx, wasStarting);
  }

  /**
   * Runs the instance's {@code stop} on a virtual thread, after its start thread has ended
   * (interrupted first if {@code interruptStart}), bounded by the stop timeout.
   */
  private void stopInstance(Cell c, InstanceContext ctx, boolean interruptStart) {
    beginStop(c, ctx);
    DaemonThreads.start(c.type, "stop", () -> runStop(ctx, interruptStart));
  }

  /** The control loop's half of stopping an instance: from now on it is stopping, and timed. */
  private void beginStop(Cell c, InstanceContext ctx) {
    ctx.stopping = true;
    c.stoppingInstance = ctx;
    c.stopTimer = after(c.spec.stopTimeout(), () -> onStopOverrun(ctx));
  }

  /** On the thread that stops the instance: waits for its start to end, stops it, reports. */
  private void runStop(InstanceContext ctx, boolean interruptStart) {
    ctx.stopThread = Thread.currentThread();
    Throwable error = null;
    try {
      Thread starter = ctx.startThread;
      if (starter != null && starter != Thread.currentThread()) {
        if (interruptStart) {
          starter.interrupt();
        }
        starter.join();
      }
      Daemon daemon = ctx.daemon;
      if (daemon != null) {
        daemon.stop(ctx);
      }
    } catch (Throwable t) {
      error = t;
    }
    Throwable stopError = error;
    post(() -> onInstanceStopped(ctx, stopError));
  }

  private void onInstanceStopped(InstanceContext ctx, Throwable error) {
    Cell c = ctx.cell;
    if (c.stoppingInstance != ctx) {
      return; // abandoned after its stop timeout
    }
    Cell.cancel(c.stopTimer);
    c.stopTimer = null;
    c.stoppingInstance = null;
    if (error != null) {
      log.warn("daemon={} threw while stopping", c.type, error);
    }
    if (c.state == STOPPING) {
      c.stopPending = false;
      moveTo(c, STOPPED, error == null ? "stopped" : "stopped; stop threw " + describe(error));
      emit(new LifecycleEvent.Stopped(c.type, clock.instant(), false));
      if (shutdown != null) {
        shutdown.stopped.add(c.type);
      }
    }
    afterSettled(c);
  }

  private void onStopOverrun(InstanceContext ctx) {
    Cell c = ctx.cell;
    if (c.stoppingInstance != ctx) {
      return;
    }
    log.warn(
        "daemon={} did not stop within {}: abandoned", c.type, format(c.spec.stopTimeout()));
    abandon(c, ctx, "did not stop within " + format(c.spec.stopTimeout()) + "; abandoned");
    afterSettled(c);
  }

  /** Gives up on an instance that will not stop: interrupts it and forgets it. */
  private void abandon(Cell c, InstanceContext ctx, String reason) {
    ctx.stopping = true;
    ctx.interruptThreads();
    Cell.cancel(c.stopTimer);
    c.stopTimer = null;
    c.stoppingInstance = null;
    if (c.state == STOPPING) {
      c.stopPending = false;
      moveTo(c, STOPPED, reason);
      emit(new LifecycleEvent.Stopped(c.type, clock.instant(), true));
    }
    if (shutdown != null) {
      shutdown.unstopped.add(c.type);
    }
  }

  /** After {@code c} may have stopped being live: wake what waited on that. */
  private void afterSettled(Cell c) {
    if (!live(c)) {
      c.settleStoppedWaiters();
      for (Cell dep : c.dependencies) {
        if (dep.stopPending) {
          tryStop(dep);
        }
      }
    }
    tryLaunch(c);
    if (shutdown != null) {
      checkShutdownProgress();
    }
  }

  // ---------------------------------------------------------------- shutdown

  private static final class Shutdown {
    final CompletableFuture<ShutdownReport> done;
    final List<DaemonType> stopped = new ArrayList<>();
    final Set<DaemonType> unstopped = new LinkedHashSet<>();
    Scheduler.Cancellable deadline;
    boolean builtinsStopping;
    /** Cells before this index in {@link #shutdownOrder} are known not to be live any more. */
    int settled;

    Shutdown(CompletableFuture<ShutdownReport> done) {
      this.done = done;
    }
  }

  void requestShutdown(Duration timeout, CompletableFuture<ShutdownReport> done) {
    shuttingDown = true;
    shutdown = new Shutdown(done);
    shutdown.deadline = after(timeout, this::onShutdownDeadline);
    for (Cell c : cells.values()) {
      if (c.wanted) {
        unwant(c, "the manager is shutting down");
      }
    }
    stopAll(false);
    checkShutdownProgress();
  }

  private void stopAll(boolean builtins) {
    List<Cell> set = shutdownOrder.stream().filter(c -> c.builtin == builtins).toList();
    for (Cell c : set) {
      requestStopOf(c, "shutdown");
    }
    for (Cell c : set) {
      tryStop(c);
    }
  }

  /**
   * Moves the shutdown on once what it waits for has settled. A cursor over {@link #shutdownOrder}
   * (registered daemons, then built-ins) keeps this linear over the whole shutdown: nothing becomes
   * live again once shutting down.
   */
  private void checkShutdownProgress() {
    while (shutdown.settled < shutdownOrder.size()) {
      Cell c = shutdownOrder.get(shutdown.settled);
      if (c.builtin && !shutdown.builtinsStopping) {
        shutdown.builtinsStopping = true;
        stopAll(true);
      }
      if (live(c)) {
        return;
      }
      shutdown.settled++;
    }
    finishShutdown();
  }

  private void onShutdownDeadline() {
    if (shutdown == null || shutdown.done.isDone()) {
      return;
    }
    for (Cell c : cells.values()) {
      if (!live(c)) {
        continue;
      }
      log.warn("daemon={} state={} still running at the shutdown deadline: abandoned", c.type, c.state);
      InstanceContext ctx = c.stoppingInstance != null ? c.stoppingInstance : c.current;
      if (c.state == STARTING || c.state == RUNNING) {
        c.cancelRunTimers();
        releaseStartSlot(c);
        c.current = null;
        moveTo(c, STOPPING, "shutdown deadline");
      }
      abandon(c, ctx, "still running at the shutdown deadline; abandoned");
      c.settleStoppedWaiters();
    }
    finishShutdown();
  }

  private void finishShutdown() {
    if (shutdown.done.isDone()) {
      return;
    }
    Cell.cancel(shutdown.deadline);
    setHealthChecks(false);
    ShutdownReport report =
        new ShutdownReport(shutdown.stopped, new ArrayList<>(shutdown.unstopped));
    if (report.clean()) {
      log.info("shutdown complete: {} daemons stopped", report.stopped().size());
    } else {
      log.warn("shutdown complete; not stopped in time: {}", report.unstopped());
    }
    control.close();
    if (ownsScheduler && scheduler instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        log.warn("closing the scheduler failed", e);
      }
    }
    shutdown.done.complete(report);
  }

  // ---------------------------------------------------------------- health and heartbeat

  void setHealthChecks(boolean on) {
    if (healthChecksOn == on) {
      return;
    }
    healthChecksOn = on;
    for (Cell c : cells.values()) {
      if (c.state != RUNNING) {
        continue;
      }
      if (on) {
        c.current.lastBeatNanos = scheduler.nanoTime();
        watch(c);
      } else {
        Cell.cancel(c.healthTimer);
        Cell.cancel(c.heartbeatTimer);
        c.healthTimer = null;
        c.heartbeatTimer = null;
      }
    }
  }

  private void watch(Cell c) {
    InstanceContext ctx = c.current;
    // the first check at once, like a probe with no initial delay: "not checked yet" for a whole
    // interval after every start would hide a daemon that came up broken
    c.healthTimer = scheduler.schedule(Duration.ZERO, ctx);
    c.spec
        .watchdogTimeout()
        .ifPresent(timeout -> c.heartbeatTimer = after(timeout, () -> checkHeartbeat(ctx)));
  }

  void runHealthCheck(InstanceContext ctx) {
    Cell c = ctx.cell;
    if (ctx != c.current || c.state != RUNNING || !healthChecksOn) {
      return;
    }
    c.healthTimer = scheduler.schedule(c.spec.healthInterval(), ctx);
    if (c.checkInFlight) {
      return; // the previous check is still being timed out
    }
    long id = ++c.healthCheckId;
    c.checkInFlight = true;
    healthChecksRun.incrementAndGet();
    Daemon daemon = ctx.daemon;
    Thread checker =
        DaemonThreads.start(
            c.type,
            "health",
            () -> {
              long began = System.nanoTime();
              HealthCheckResult result;
              try {
                result = daemon.healthCheck();
                if (result == null) {
                  result = HealthCheckResult.unhealthy("health check returned null");
                }
              } catch (Throwable t) {
                result = HealthCheckResult.unhealthy("health check threw " + describeThrown(t));
              }
              HealthCheckResult r = result;
              // wall time of the check itself, not the manager's clock: it measures the daemon
              Duration took = Duration.ofNanos(System.nanoTime() - began);
              post(() -> onHealthResult(ctx, id, r, took));
            });
    Duration timeout = c.spec.healthTimeout();
    c.checkTimeout =
        scheduler.schedule(
            timeout,
            () -> {
              // post the verdict before interrupting, so it wins over the check's own answer
              post(
                  () -> {
                    if (c.healthCheckId == id && c.checkInFlight) {
                      healthChecksTimedOut.incrementAndGet();
                    }
                    onHealthResult(
                        ctx,
                        id,
                        HealthCheckResult.unhealthy(
                            "health check did not answer within " + format(timeout)),
                        timeout);
                  });
              checker.interrupt();
            });
  }

  private static String describeThrown(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  private void onHealthResult(
      InstanceContext ctx, long id, HealthCheckResult result, Duration took) {
    Cell c = ctx.cell;
    if (id != c.healthCheckId || !c.checkInFlight) {
      return;
    }
    c.checkInFlight = false;
    Cell.cancel(c.checkTimeout);
    c.checkTimeout = null;
    if (ctx != c.current || c.state != RUNNING) {
      return;
    }
    c.lastHealthCheckDuration = took;
    c.publish();
    HealthCheckResult previous = c.health;
    if (result.status() == HealthStatus.UNHEALTHY) {
      c.consecutiveSuccesses = 0;
      c.consecutiveFailures++;
      if (c.consecutiveFailures >= c.spec.failureThreshold()) {
        acceptHealth(c, previous, result);
        if (!c.spec.restartsWhenUnhealthy()) {
          return; // it reports on the world, not on itself: unhealthy, and left RUNNING
        }
        onExit(
            ctx,
            new DaemonFault(
                DaemonFault.Kind.UNHEALTHY,
                c.type
                    + " failed "
                    + c.consecutiveFailures
                    + " health checks in a row: "
                    + result.message()));
      }
      return;
    }
    c.consecutiveFailures = 0;
    boolean improvement =
        previous.status() != HealthStatus.UNKNOWN
            && rank(result.status()) < rank(previous.status());
    if (!improvement) {
      c.consecutiveSuccesses = 0;
      acceptHealth(c, previous, result);
    } else if (++c.consecutiveSuccesses >= c.spec.successThreshold()) {
      c.consecutiveSuccesses = 0;
      acceptHealth(c, previous, result);
    }
  }

  private static int rank(HealthStatus status) {
    return switch (status) {
      case HEALTHY -> 0;
      case DEGRADED -> 1;
      case UNHEALTHY -> 2;
      case UNKNOWN -> 3;
    };
  }

  private void acceptHealth(Cell c, HealthCheckResult previous, HealthCheckResult result) {
    c.health = result;
    c.publish();
    if (previous.status() != result.status()) {
      emit(new LifecycleEvent.HealthChanged(c.type, clock.instant(), previous, result));
    }
  }

  private void checkHeartbeat(InstanceContext ctx) {
    Cell c = ctx.cell;
    if (ctx != c.current || c.state != RUNNING || !healthChecksOn) {
      return;
    }
    long timeout = c.spec.watchdogTimeout().orElseThrow().toNanos();
    long silent = scheduler.nanoTime() - ctx.lastBeatNanos;
    if (silent >= timeout) {
      onExit(
          ctx,
          new DaemonFault(
              DaemonFault.Kind.MISSED_HEARTBEAT,
              c.type
                  + " sent no heartbeat for "
                  + format(Duration.ofNanos(silent))
                  + " (watchdog timeout "
                  + format(Duration.ofNanos(timeout))
                  + ")"));
    } else {
      c.heartbeatTimer = after(Duration.ofNanos(timeout - silent), () -> checkHeartbeat(ctx));
    }
  }

  HealthCheckResult watchdogHealth() {
    return HealthCheckResult.of(
        HealthStatus.HEALTHY,
        "",
        Map.of(
            "checks_run_total", healthChecksRun.get(),
            "checks_timed_out_total", healthChecksTimedOut.get()));
  }

  // ---------------------------------------------------------------- views

  ManagerSnapshot snapshot() {
    return control.call(
        () -> {
          TreeMap<DaemonType, DaemonInfo> infos = new TreeMap<>();
          for (Cell c : cells.values()) {
            infos.put(c.type, c.info);
          }
          return new ManagerSnapshot(clock.instant(), infos, shuttingDown);
        });
  }

  List<Transition> history(DaemonType type) {
    Cell c = cell(type);
    return control.call(c::history);
  }

  // the probe round trips in flight, shared by the probes that arrive meanwhile
  private final AtomicReference<CompletableFuture<ProbeResult>> livenessInFlight =
      new AtomicReference<>();
  private final AtomicReference<CompletableFuture<ProbeResult>> readinessInFlight =
      new AtomicReference<>();

  /**
   * Runs {@code probe} (a round trip to the control thread), or joins the one in flight: a burst
   * of concurrent probes (a load balancer, several scrapers) costs the control thread one message,
   * and every answer is still a verdict of the control thread given while the caller waited or
   * at most one round trip before.
   */
  private static ProbeResult shared(
      AtomicReference<CompletableFuture<ProbeResult>> inFlight, Supplier<ProbeResult> probe) {
    CompletableFuture<ProbeResult> mine = new CompletableFuture<>();
    CompletableFuture<ProbeResult> running = inFlight.compareAndExchange(null, mine);
    if (running != null) {
      return running.join();
    }
    try {
      ProbeResult result = probe.get();
      mine.complete(result);
      return result;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.set(null);
    }
  }

  ProbeResult liveness() {
    return shared(livenessInFlight, this::askLiveness);
  }

  ProbeResult readiness() {
    return shared(readinessInFlight, this::askReadiness);
  }

  private ProbeResult askLiveness() {
    try {
      return control.call(
          () -> {
            List<String> reasons = new ArrayList<>();
            for (Cell c : cells.values()) {
              if (c.spec.critical() && c.state == FAILED) {
                reasons.add(c.type + " is FAILED: " + lastReason(c));
              }
            }
            return new ProbeResult(reasons.isEmpty(), reasons);
          },
          PROBE_TIMEOUT);
    } catch (TimeoutException e) {
      return new ProbeResult(
          false, List.of("the supervisor did not answer within " + format(PROBE_TIMEOUT)));
    }
  }

  private ProbeResult askReadiness() {
    try {
      return control.call(
          () -> {
            List<String> reasons = new ArrayList<>();
            if (shuttingDown) {
              reasons.add("shutting down");
            }
            for (Cell c : cells.values()) {
              if (c.firstStartPending) {
                reasons.add(c.type + " is " + c.state + " (not ready yet)");
              } else if (c.spec.critical() && c.state == FAILED) {
                reasons.add(c.type + " is FAILED: " + lastReason(c));
              } else if (c.spec.critical() && c.wanted && c.state != RUNNING) {
                // an unhealthy daemon is restarted at once, so "down" covers it too
                reasons.add(c.type + " is " + c.state);
              }
            }
            return new ProbeResult(reasons.isEmpty(), reasons);
          },
          PROBE_TIMEOUT);
    } catch (TimeoutException e) {
      return new ProbeResult(
          false, List.of("the supervisor did not answer within " + format(PROBE_TIMEOUT)));
    }
  }

  private static String lastReason(Cell c) {
    List<Transition> h = c.history();
    return h.isEmpty() ? "" : h.get(h.size() - 1).reason();
  }

  Map<DaemonType, HealthCheckResult> allHealth() {
    Map<DaemonType, HealthCheckResult> result = new HashMap<>();
    for (Cell c : cells.values()) {
      result.put(c.type, c.info.health());
    }
    return Map.copyOf(result);
  }

  /** "1.5s", "30s", "250ms": short durations as operators read them. */
  static String format(Duration d) {
    long millis = d.toMillis();
    if (millis < 1000) {
      return millis + "ms";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
  }
}
