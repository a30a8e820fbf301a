package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.core.PollingDaemon.PollSchedule;
import dev.vigil.core.testkit.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The three daemon skeletons, each run inside a real {@link DaemonManager} on virtual time: timers
 * (poll ticks, backoff, timeouts) move only when the test advances the {@link ManualScheduler};
 * daemon code still runs on virtual threads, so the test awaits its effects.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SkeletonsTest {
  static final DaemonType POLLER = DaemonType.of("POLLER");
  static final DaemonType WORKER = DaemonType.of("WORKER");
  static final DaemonType HOLDER = DaemonType.of("HOLDER");

  private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration SECOND = Duration.ofSeconds(1);

  private final ManualScheduler ms = new ManualScheduler();
  private DaemonManager manager;

  private DaemonManager manager(DaemonSpec... specs) {
    manager =
        DaemonManager.builder(DaemonRegistry.of(specs)).scheduler(ms).clock(ms.clock()).build();
    return manager;
  }

  @AfterEach
  void shutDown() throws Exception {
    if (manager != null) {
      manager.shutdown(Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
    }
  }

  /** Keeps every instance the factory makes, so tests can reach the daemon objects. */
  private static <D extends Daemon> Supplier<D> keeping(List<D> instances, Supplier<D> make) {
    return () -> {
      D d = make.get();
      instances.add(d);
      return d;
    };
  }

  private static ConditionFactory eventually() {
    return await()
        .atMost(Duration.ofSeconds(5))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(2));
  }

  private void awaitState(DaemonType type, DaemonState state) {
    eventually().untilAsserted(() -> assertThat(manager.info(type).state()).isEqualTo(state));
  }

  // ================================================================ PollingDaemon

  @FunctionalInterface
  interface PollBody {
    void run(DaemonContext ctx) throws Exception;
  }

  static final class TestPoller extends PollingDaemon {
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger maxInside = new AtomicInteger();
    /** Virtual time at which each poll began, in nanoseconds since the scheduler's start. */
    final List<Long> startedAt = new CopyOnWriteArrayList<>();
    volatile Thread lastThread;
    volatile PollBody body = ctx -> {};

    TestPoller(PollSchedule schedule) {
      super(schedule);
    }

    @Override
    protected void poll(DaemonContext ctx) throws Exception {
      lastThread = Thread.currentThread();
      startedAt.add(ctx.scheduler().nanoTime());
      started.incrementAndGet();
      maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
      try {
        body.run(ctx);
      } finally {
        inside.decrementAndGet();
      }
    }

    long skipped() {
      return skippedTicks();
    }

    int failures() {
      return consecutiveFailures();
    }

    /** Waits until {@code n} polls have begun and the last one's thread has ended. */
    void awaitPollsDone(int n) {
      eventually()
          .untilAsserted(
              () -> {
                assertThat(started).hasValue(n);
                Thread t = lastThread;
                assertThat(t).isNotNull();
                assertThat(t.isAlive()).as("poll %d still running", n).isFalse();
              });
    }
  }

  private final List<TestPoller> pollers = new CopyOnWriteArrayList<>();

  /** Starts a poller on {@code schedule} and returns its (first) instance. */
  private TestPoller startPoller(PollSchedule schedule) throws Exception {
    manager(
        DaemonSpec.builder(POLLER, keeping(pollers, () -> new TestPoller(schedule)))
            .health(Duration.ofHours(1), Duration.ofSeconds(5)) // no health checks in the way
            .build());
    manager.start(POLLER).get(5, TimeUnit.SECONDS);
    // the manager's own health checks (the first is due at once) are not what these tests time
    manager.stop(BuiltinDaemons.DAEMON_WATCHDOG).get(5, TimeUnit.SECONDS);
    assertThat(pollers).hasSize(1);
    return pollers.get(0);
  }

  private static List<Duration> durations(List<Long> nanos) {
    return nanos.stream().map(Duration::ofNanos).toList();
  }

  private static List<Duration> gaps(List<Long> nanos) {
    List<Duration> gaps = new ArrayList<>();
    for (int i = 1; i < nanos.size(); i++) {
      gaps.add(Duration.ofNanos(nanos.get(i) - nanos.get(i - 1)));
    }
    return gaps;
  }

  /** Runs the tick due now. */
  private void firstTick() {
    ms.runDue();
  }

  /** Advances by {@code step}, which should end on a tick. */
  private void tick(Duration step) {
    ms.advance(step);
  }

  /** Advances exactly to the next pending timer, which must be the poller's next tick. */
  private void nextTick() {
    Duration next = ms.nextDue().orElseThrow();
    assertThat(ms.advance(next)).as("one tick").isEqualTo(1);
  }

  @Test
  void pollingDaemonPollsAtItsFixedRateInVirtualTime() throws Exception {
    TestPoller p = startPoller(PollSchedule.every(SECOND).withoutJitter());
    assertThat(p.started).as("nothing polls until time moves").hasValue(0);
    assertThat(ms.nextDue()).as("first tick due at once").contains(Duration.ZERO);

    firstTick();
    p.awaitPollsDone(1);
    for (int i = 2; i <= 5; i++) {
      assertThat(ms.advance(Duration.ofMillis(500))).as("no tick half-way").isZero();
      tick(Duration.ofMillis(500));
      p.awaitPollsDone(i);
    }

    assertThat(durations(p.startedAt))
        .containsExactly(
            Duration.ZERO,
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(3),
            Duration.ofSeconds(4));
    assertThat(p.skipped()).isZero();
    assertThat(manager.info(POLLER).state()).isEqualTo(DaemonState.RUNNING);
  }

  @Test
  void pollingDaemonWaitsForItsInitialDelay() throws Exception {
    TestPoller p =
        startPoller(
            PollSchedule.every(SECOND).withoutJitter().withInitialDelay(Duration.ofSeconds(5)));

    assertThat(ms.advance(Duration.ofMillis(4999))).isZero();
    tick(Duration.ofMillis(1));
    p.awaitPollsDone(1);

    assertThat(durations(p.startedAt)).containsExactly(Duration.ofSeconds(5));
  }

  @Test
  void pollingDaemonIsSingleFlightSkippingTicksWhilePollRuns() throws Exception {
    TestPoller p = startPoller(PollSchedule.every(SECOND).withoutJitter());
    CountDownLatch release = new CountDownLatch(1);
    p.body = ctx -> release.await();

    firstTick();
    eventually().until(() -> p.inside.get() == 1);
    ms.advance(SECOND);
    ms.advance(SECOND);

    // a tick either skips (counted on the ticking thread, synchronously) or starts a poll
    assertThat(p.skipped()).isEqualTo(2);
    assertThat(p.started).hasValue(1);

    p.body = ctx -> {};
    release.countDown();
    p.awaitPollsDone(1);
    tick(SECOND);
    p.awaitPollsDone(2);

    assertThat(durations(p.startedAt)).containsExactly(Duration.ZERO, Duration.ofSeconds(3));
    assertThat(p.maxInside).as("never two polls at once").hasValue(1);
    assertThat(p.healthCheck().details()).containsEntry("skipped_ticks", 2L);
  }

  @Test
  void pollingDaemonBacksOffDoublingAfterFailuresUpToTheMaximumAndRecovers() throws Exception {
    Duration interval = Duration.ofMillis(100);
    Duration max = Duration.ofMillis(800);
    TestPoller p =
        startPoller(PollSchedule.every(interval).withoutJitter().withMaxBackoff(max));
    p.body =
        ctx -> {
          throw new IllegalStateException("backend down");
        };

    firstTick();
    p.awaitPollsDone(1);
    for (int i = 2; i <= 8; i++) {
      nextTick();
      p.awaitPollsDone(i);
    }
    assertThat(p.failures()).isEqualTo(8);
    List<Duration> failing = gaps(p.startedAt);

    // while polls fail, each gap is twice the previous one, until the maximum
    for (int i = 1; i < failing.size(); i++) {
      Duration doubled = failing.get(i - 1).multipliedBy(2);
      assertThat(failing.get(i))
          .as("gap %d of %s", i, failing)
          .isEqualTo(doubled.compareTo(max) < 0 ? doubled : max);
    }
    assertThat(failing.get(failing.size() - 1)).isEqualTo(max);
    assertThat(failing).allMatch(g -> g.compareTo(max) <= 0);
    assertThat(failing.get(2)).as("backing off by the third gap").isGreaterThan(interval);

    p.body = ctx -> {};
    for (int i = 9; i <= 12; i++) {
      nextTick();
      p.awaitPollsDone(i);
    }
    assertThat(p.failures()).isZero();
    List<Duration> all = gaps(p.startedAt);
    assertThat(all.subList(all.size() - 2, all.size()))
        .as("back at the interval after successes: %s", all)
        .containsExactly(interval, interval);
  }

  /**
   * The delay after a poll follows that poll's outcome: the first failure already slows polling,
   * and the first success brings it straight back to the interval.
   */
  @Test
  void pollingDaemonBackoffFollowsTheOutcomeOfThePollJustFinished() throws Exception {
    Duration interval = Duration.ofMillis(100);
    TestPoller p =
        startPoller(
            PollSchedule.every(interval).withoutJitter().withMaxBackoff(Duration.ofSeconds(1)));
    AtomicInteger call = new AtomicInteger();
    // fail, fail, succeed, succeed
    p.body =
        ctx -> {
          if (call.incrementAndGet() <= 2) {
            throw new IllegalStateException("backend down");
          }
        };

    firstTick();
    p.awaitPollsDone(1);
    for (int i = 2; i <= 4; i++) {
      nextTick();
      p.awaitPollsDone(i);
    }

    // after 1 failure: 2 x interval; after 2 failures: 4 x interval; after a success: interval
    assertThat(durations(p.startedAt))
        .containsExactly(
            Duration.ZERO, Duration.ofMillis(200), Duration.ofMillis(600), Duration.ofMillis(700));
  }

  @Test
  void pollingDaemonHealthIsDegradedAfterAFailureAndHealthyAfterASuccess() throws Exception {
    TestPoller p = startPoller(PollSchedule.every(SECOND).withoutJitter());
    HealthCheckResult before = p.healthCheck();
    assertThat(before.status()).isEqualTo(HealthStatus.UNKNOWN);
    assertThat(before.message()).isEqualTo("no poll finished yet");

    p.body =
        ctx -> {
          throw new IllegalStateException("backend down");
        };
    firstTick();
    p.awaitPollsDone(1);

    HealthCheckResult failed = p.healthCheck();
    assertThat(failed.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(failed.healthy()).as("degraded still counts as healthy").isTrue();
    assertThat(failed.message())
        .isEqualTo("1 polls failed in a row: IllegalStateException: backend down");
    assertThat(failed.details())
        .containsEntry("consecutive_failures", 1)
        .containsEntry("polls", 1L)
        .containsEntry("last_success", "never");
    assertThat(manager.info(POLLER).state())
        .as("a failing poll does not crash the daemon")
        .isEqualTo(DaemonState.RUNNING);

    p.body = ctx -> {};
    nextTick();
    p.awaitPollsDone(2);

    HealthCheckResult ok = p.healthCheck();
    assertThat(ok.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(ok.message()).isEmpty();
    assertThat(ok.details())
        .containsEntry("consecutive_failures", 0)
        .containsEntry("polls", 2L)
        .containsEntry("last_success", EPOCH.plusNanos(p.startedAt.get(1)).toString());
  }

  @Test
  void pollingDaemonStopsPromptlyInterruptingABlockedPoll() throws Exception {
    TestPoller p = startPoller(PollSchedule.every(SECOND).withoutJitter());
    AtomicBoolean interrupted = new AtomicBoolean();
    p.body =
        ctx -> {
          try {
            Thread.sleep(Duration.ofHours(1));
          } catch (InterruptedException e) {
            interrupted.set(true);
            throw e;
          }
        };
    firstTick();
    eventually().until(() -> p.inside.get() == 1);

    manager.stop(POLLER).get(5, TimeUnit.SECONDS);

    assertThat(manager.info(POLLER).state()).isEqualTo(DaemonState.STOPPED);
    assertThat(interrupted).isTrue();
    assertThat(p.lastThread.isAlive()).isFalse();
    assertThat(p.failures()).as("an interrupted poll is not a failure").isZero();
    assertThat(manager.info(POLLER).lastError()).isEmpty();
    // the next tick was called off: nothing is due within the next polling interval
    assertThat(ms.advance(Duration.ofSeconds(5))).isZero();
    assertThat(p.started).hasValue(1);
  }

  /**
   * Quick polls can end while the tick that started them is still inside {@code Thread.start()};
   * the poll's clean-up must not run before the tick recorded the poll as in flight, or every later
   * tick is skipped and the daemon silently stops polling.
   */
  @Test
  void pollingDaemonKeepsPollingWhenAPollFinishesBeforeItsTickReturns() throws Exception {
    TestPoller p = startPoller(PollSchedule.every(SECOND).withoutJitter());
    ms.runDue();
    p.awaitPollsDone(1);
    for (int i = 2; i <= 50; i++) {
      ms.advance(SECOND);
      // the previous poll had finished, so this tick must have started a poll, not skipped
      assertThat(p.skipped()).as("skipped ticks after poll %d", i - 1).isZero();
      p.awaitPollsDone(i);
    }
  }

  // ================================================================ LoopDaemon

  @FunctionalInterface
  interface LoopBody {
    void run(TestLoop self, DaemonContext ctx) throws Exception;
  }

  static final class TestLoop extends LoopDaemon {
    final LoopBody body;
    final CountDownLatch go = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);
    final AtomicInteger beforeLoop = new AtomicInteger();
    final AtomicInteger afterLoop = new AtomicInteger();
    final AtomicBoolean interrupted = new AtomicBoolean();
    volatile Thread startThread;
    volatile Thread loopThread;

    TestLoop(LoopBody body) {
      this.body = body;
    }

    @Override
    protected void beforeLoop(DaemonContext ctx) {
      startThread = Thread.currentThread();
      beforeLoop.incrementAndGet();
    }

    @Override
    protected void run(DaemonContext ctx) throws Exception {
      loopThread = Thread.currentThread();
      entered.countDown();
      try {
        body.run(this, ctx);
      } catch (InterruptedException e) {
        interrupted.set(true);
        throw e;
      }
    }

    @Override
    protected void afterLoop(DaemonContext ctx) {
      afterLoop.incrementAndGet();
    }
  }

  private final List<TestLoop> loops = new CopyOnWriteArrayList<>();

  private DaemonSpec.Builder loopSpec(LoopBody body) {
    return DaemonSpec.builder(WORKER, keeping(loops, () -> new TestLoop(body)));
  }

  /** A loop that waits for the instance's {@code go} latch, then blocks until interrupted. */
  private static final LoopBody BLOCK_FOREVER =
      (self, ctx) -> {
        self.go.await();
        new CountDownLatch(1).await();
      };

  @Test
  void loopDaemonRunsItsLoopOnAVirtualThreadUntilStopped() throws Exception {
    BlockingQueue<Integer> inbox = new LinkedBlockingQueue<>();
    List<Integer> handled = new CopyOnWriteArrayList<>();
    manager(
        loopSpec(
                (self, ctx) -> {
                  while (!ctx.isStopping()) {
                    handled.add(inbox.take());
                    ctx.heartbeat();
                  }
                })
            .build());

    manager.start(WORKER).get(5, TimeUnit.SECONDS);
    inbox.addAll(List.of(1, 2, 3));

    eventually().untilAsserted(() -> assertThat(handled).containsExactly(1, 2, 3));
    TestLoop loop = loops.get(0);
    assertThat(loop.loopThread.isVirtual()).isTrue();
    assertThat(loop.loopThread.getName()).isEqualTo("WORKER-loop");
    assertThat(manager.info(WORKER).state()).isEqualTo(DaemonState.RUNNING);

    manager.stop(WORKER).get(5, TimeUnit.SECONDS);

    assertThat(manager.info(WORKER).state()).isEqualTo(DaemonState.STOPPED);
    assertThat(loop.loopThread.isAlive()).isFalse();
    assertThat(loop.beforeLoop).hasValue(1);
    assertThat(loop.afterLoop).hasValue(1);
    assertThat(loops).hasSize(1);
  }

  @Test
  void loopDaemonWhoseLoopThrowsCrashesAndBacksOffUntilTimeMoves() throws Exception {
    manager(
        loopSpec(
                (self, ctx) -> {
                  self.go.await();
                  throw new IllegalStateException("loop broke");
                })
            .build());
    manager.start(WORKER).get(5, TimeUnit.SECONDS);
    // no health checks (the first is due at once): the backoff timer must be the next one due
    manager.stop(BuiltinDaemons.DAEMON_WATCHDOG).get(5, TimeUnit.SECONDS);

    loops.get(0).go.countDown();
    awaitState(WORKER, DaemonState.BACKOFF);

    DaemonInfo info = manager.info(WORKER);
    assertThat(info.lastError()).isPresent();
    assertThat(info.lastError().get().type()).isEqualTo("java.lang.IllegalStateException");
    assertThat(info.lastError().get().message()).isEqualTo("loop broke");
    assertThat(info.lastError().get().at()).isEqualTo(EPOCH);
    assertThat(info.restartCount()).isEqualTo(1);
    assertThat(info.attempt()).isEqualTo(1);
    Duration backoff = info.currentBackoff().orElseThrow();
    assertThat(backoff).isBetween(Duration.ofMillis(900), Duration.ofMillis(1100));
    assertThat(info.nextRestartAt()).contains(EPOCH.plus(backoff));
    // the restart waits on the virtual clock: the backoff timer is what is due next
    eventually().untilAsserted(() -> assertThat(ms.nextDue()).contains(backoff));
    assertThat(loops).hasSize(1);

    ms.advance(backoff);

    // a fresh instance, which waits on its own latch
    awaitState(WORKER, DaemonState.RUNNING);
    assertThat(loops).hasSize(2);
    assertThat(loops.get(0).afterLoop).hasValue(1);
    assertThat(manager.info(WORKER).restartCount()).isEqualTo(1);
  }

  @Test
  void loopDaemonReturningNormallyUnderTransientBecomesStopped() throws Exception {
    manager(
        loopSpec((self, ctx) -> self.go.await())
            .restartPolicy(RestartPolicy.of(RestartType.TRANSIENT))
            .build());
    manager.start(WORKER).get(5, TimeUnit.SECONDS);

    loops.get(0).go.countDown();
    awaitState(WORKER, DaemonState.STOPPED);

    DaemonInfo info = manager.info(WORKER);
    assertThat(info.lastError()).isEmpty();
    assertThat(info.restartCount()).isZero();
    List<Transition> history = manager.history(WORKER);
    assertThat(history.get(history.size() - 1).reason())
        .contains("exited normally")
        .contains("TRANSIENT");
    // no restart is pending in virtual time either: timers post to the control loop, and a
    // snapshot is answered there after whatever they posted
    ms.advance(Duration.ofSeconds(10));
    assertThat(manager.snapshot().daemons().get(WORKER).state()).isEqualTo(DaemonState.STOPPED);
    assertThat(loops).hasSize(1);
  }

  @Test
  void loopDaemonReturningNormallyUnderPermanentIsRestarted() throws Exception {
    manager(loopSpec((self, ctx) -> self.go.await()).build());
    manager.start(WORKER).get(5, TimeUnit.SECONDS);
    // no health checks (the first is due at once): the backoff timer must be the next one due
    manager.stop(BuiltinDaemons.DAEMON_WATCHDOG).get(5, TimeUnit.SECONDS);

    loops.get(0).go.countDown();
    awaitState(WORKER, DaemonState.BACKOFF);

    assertThat(manager.info(WORKER).lastError()).as("a normal exit is no error").isEmpty();
    ms.advance(Duration.ofSeconds(2));
    awaitState(WORKER, DaemonState.RUNNING);
    assertThat(loops).hasSize(2);
  }

  @Test
  void loopDaemonStopInterruptsABlockedLoop() throws Exception {
    manager(loopSpec(BLOCK_FOREVER).build());
    manager.start(WORKER).get(5, TimeUnit.SECONDS);
    TestLoop loop = loops.get(0);
    loop.go.countDown();
    assertThat(loop.entered.await(5, TimeUnit.SECONDS)).isTrue();

    manager.stop(WORKER).get(5, TimeUnit.SECONDS);

    assertThat(manager.info(WORKER).state()).isEqualTo(DaemonState.STOPPED);
    assertThat(loop.interrupted).isTrue();
    assertThat(loop.loopThread.isAlive()).isFalse();
    assertThat(loop.afterLoop).hasValue(1);
    DaemonInfo info = manager.info(WORKER);
    assertThat(info.lastError()).as("the interrupt of a stop is no crash").isEmpty();
    assertThat(info.restartCount()).isZero();
  }

  @Test
  void signalledLoopDaemonStaysStartingUntilTheLoopCallsReady() throws Exception {
    manager(
        loopSpec(
                (self, ctx) -> {
                  self.go.await();
                  ctx.ready();
                  new CountDownLatch(1).await();
                })
            .readiness(ReadinessMode.SIGNALLED)
            .build());

    CompletableFuture<Void> started = manager.start(WORKER);
    eventually().until(() -> loops.size() == 1 && loops.get(0).startThread != null);
    TestLoop loop = loops.get(0);
    // start() has returned once its thread has ended; a snapshot then runs on the control loop
    // after the supervisor handled that return
    eventually().until(() -> !loop.startThread.isAlive());
    manager.snapshot();

    assertThat(manager.info(WORKER).state()).isEqualTo(DaemonState.STARTING);
    assertThat(started).isNotDone();
    assertThat(manager.readinessProbe().ok()).isFalse();

    loop.go.countDown();
    started.get(5, TimeUnit.SECONDS);

    assertThat(manager.info(WORKER).state()).isEqualTo(DaemonState.RUNNING);
    assertThat(manager.readinessProbe().ok()).isTrue();
  }

  @Test
  void signalledLoopDaemonThatNeverSignalsFailsAtTheStartTimeout() throws Exception {
    manager(
        loopSpec(BLOCK_FOREVER)
            .readiness(ReadinessMode.SIGNALLED)
            .startTimeout(Duration.ofSeconds(10))
            .build());
    manager.start(WORKER);
    eventually().until(() -> loops.size() == 1);
    awaitState(WORKER, DaemonState.STARTING);

    ms.advance(Duration.ofSeconds(10));

    awaitState(WORKER, DaemonState.BACKOFF);
    assertThat(manager.info(WORKER).lastError().orElseThrow().message())
        .isEqualTo("WORKER did not become ready within 10s");
    eventually()
        .until(() -> loops.get(0).loopThread != null && !loops.get(0).loopThread.isAlive());
  }

  // ================================================================ IdleDaemon

  static final class TestIdle extends IdleDaemon {
    final AtomicInteger starts = new AtomicInteger();
    final AtomicInteger stops = new AtomicInteger();
    final boolean failStart;
    volatile boolean startOnVirtualThread;
    volatile boolean stoppingSeenByOnStop;

    TestIdle(boolean failStart) {
      this.failStart = failStart;
    }

    @Override
    protected void onStart(DaemonContext ctx) {
      starts.incrementAndGet();
      startOnVirtualThread = Thread.currentThread().isVirtual();
      if (failStart) {
        throw new IllegalStateException("port in use");
      }
    }

    @Override
    protected void onStop(DaemonContext ctx) {
      stops.incrementAndGet();
      stoppingSeenByOnStop = ctx.isStopping();
    }
  }

  private final List<TestIdle> idles = new CopyOnWriteArrayList<>();

  @Test
  void idleDaemonOnStartAndOnStopAreCalledOnceEach() throws Exception {
    manager(DaemonSpec.builder(HOLDER, keeping(idles, () -> new TestIdle(false))).build());

    manager.start(HOLDER).get(5, TimeUnit.SECONDS);

    TestIdle idle = idles.get(0);
    assertThat(manager.info(HOLDER).state()).isEqualTo(DaemonState.RUNNING);
    assertThat(idle.starts).hasValue(1);
    assertThat(idle.stops).hasValue(0);
    assertThat(idle.startOnVirtualThread).isTrue();
    assertThat(idle.healthCheck()).isEqualTo(HealthCheckResult.ok());

    manager.stop(HOLDER).get(5, TimeUnit.SECONDS);

    assertThat(manager.info(HOLDER).state()).isEqualTo(DaemonState.STOPPED);
    assertThat(idle.starts).hasValue(1);
    assertThat(idle.stops).hasValue(1);
    assertThat(idle.stoppingSeenByOnStop).isTrue();
    assertThat(idles).hasSize(1);
  }

  @Test
  void aThreadTheDaemonStartsCarriesItsNameInTheMdcAndInTheThreadName() throws Exception {
    CompletableFuture<String> seen = new CompletableFuture<>();
    manager(DaemonSpec.builder(HOLDER, () -> new IdleDaemon() {
      @Override
      protected void onStart(DaemonContext ctx) {
        ctx.startThread("worker", () -> seen.complete(
            org.slf4j.MDC.get("daemon") + " on " + Thread.currentThread().getName()
                + (Thread.currentThread().isVirtual() ? " (virtual)" : "")));
      }
    }).build());

    manager.start(HOLDER).get(5, TimeUnit.SECONDS);

    assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("HOLDER on HOLDER-worker (virtual)");
  }

  @Test
  void idleDaemonOnStopIsCalledAfterAFailedOnStart() throws Exception {
    manager(DaemonSpec.builder(HOLDER, keeping(idles, () -> new TestIdle(true))).build());

    manager.start(HOLDER); // never completes: the daemon keeps failing
    awaitState(HOLDER, DaemonState.BACKOFF);

    TestIdle idle = idles.get(0);
    eventually().untilAsserted(() -> assertThat(idle.stops).hasValue(1));
    assertThat(idle.starts).hasValue(1);
    assertThat(manager.info(HOLDER).lastError().orElseThrow().summary())
        .isEqualTo("java.lang.IllegalStateException: port in use");
  }
}
