package dev.vigil.core;

import static dev.vigil.core.DaemonState.RUNNING;
import static dev.vigil.core.DaemonState.STARTING;
import static dev.vigil.core.DaemonState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class OrderingTest extends ManagerFixture {

  @Test
  void chainStartsEachDaemonOnlyWhenItsDependencyIsRunning() throws Exception {
    CountDownLatch releaseA = new CountDownLatch(1);
    Scripted a = daemon("A");
    daemon("B", s -> s.dependsOn(t("A")));
    daemon("C", s -> s.dependsOn(t("B")));
    a.onStart = ctx -> releaseA.await();
    build();

    var started = manager.start(t("C"));
    awaitState("A", STARTING);
    settle();
    assertThat(state("B")).isEqualTo(STOPPED);
    assertThat(manager.info(t("B")).waitingOn()).contains("waiting on A: STARTING");
    assertThat(manager.info(t("C")).waitingOn()).contains("waiting on B: STOPPED");

    releaseA.countDown();
    get(started);
    assertThat(order.calls).containsExactly("start A", "start B", "start C");
    assertThat(manager.info(t("C")).waitingOn()).isEmpty();
  }

  @Test
  void diamondStartsBothBranchesInParallelAndTheJoinAfterBoth() throws Exception {
    CountDownLatch bothStarting = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    daemon("A");
    Scripted b = daemon("B", s -> s.dependsOn(t("A")));
    Scripted c = daemon("C", s -> s.dependsOn(t("A")));
    daemon("D", s -> s.dependsOn(t("B"), t("C")));
    Scripted.Step blockTogether =
        ctx -> {
          bothStarting.countDown();
          release.await();
        };
    b.onStart = blockTogether;
    c.onStart = blockTogether;
    build();

    var started = manager.start(t("D"));
    await().atMost(Duration.ofSeconds(10)).until(() -> bothStarting.getCount() == 0);
    assertThat(state("B")).isEqualTo(STARTING);
    assertThat(state("C")).isEqualTo(STARTING);
    assertThat(state("D")).isEqualTo(STOPPED);

    release.countDown();
    get(started);
    assertThat(order.calls.indexOf("start D"))
        .isGreaterThan(order.calls.indexOf("start B"))
        .isGreaterThan(order.calls.indexOf("start C"));
  }

  @Test
  void independentDaemonsStartUnderTheConcurrencyBound() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    for (int i = 0; i < 5; i++) {
      daemon("P" + i).onStart = ctx -> release.await();
    }
    build(b -> b.startConcurrency(2));

    var started = manager.start(Profile.of("all", t("P0"), t("P1"), t("P2"), t("P3"), t("P4")));
    // the two built-ins take slots as well, so at most two daemons are STARTING at any moment
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> manager.snapshot().countByState().getOrDefault(STARTING, 0L) == 2);
    for (int i = 0; i < 20; i++) {
      assertThat(manager.snapshot().countByState().getOrDefault(STARTING, 0L)).isLessThanOrEqualTo(2);
    }
    release.countDown();
    get(started);
    assertThat(manager.snapshot().countByState().get(RUNNING)).isEqualTo(7L);
  }

  @Test
  void shutdownStopsInReverseDependencyOrderAndBuiltinsLast() throws Exception {
    daemon("A");
    daemon("B", s -> s.dependsOn(t("A")));
    daemon("C", s -> s.dependsOn(t("B")));
    build();
    get(manager.start(t("C")));

    ShutdownReport report = get(manager.shutdown(Duration.ofSeconds(60)));

    assertThat(report.clean()).isTrue();
    assertThat(report.stopped()).startsWith(t("C"), t("B"), t("A"));
    assertThat(report.stopped().subList(3, 5))
        .containsExactlyInAnyOrder(BuiltinDaemons.DAEMON_WATCHDOG, BuiltinDaemons.EVENT_ROUTER);
    assertThat(order.calls).containsSubsequence("stop C", "stop B", "stop A");
  }

  @Test
  void stoppingADaemonStopsItsDependentsFirstAndLeavesOthersRunning() throws Exception {
    daemon("A");
    daemon("B", s -> s.dependsOn(t("A")));
    daemon("OTHER");
    build();
    get(manager.start(Profile.of("p", t("B"), t("OTHER"))));

    get(manager.stop(t("A")));

    assertThat(state("A")).isEqualTo(STOPPED);
    assertThat(state("B")).isEqualTo(STOPPED);
    assertThat(state("OTHER")).isEqualTo(RUNNING);
    assertThat(order.calls).containsSubsequence("stop B", "stop A");
    settle();
    assertThat(state("B")).as("a stopped dependent is not started again").isEqualTo(STOPPED);
  }

  @Test
  void stopOverrunningItsTimeoutIsAbandonedAndShutdownGoesOn() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    daemon("A");
    Scripted stuck = daemon("STUCK", s -> s.dependsOn(t("A")).stopTimeout(Duration.ofSeconds(2)));
    stuck.onStop = ctx -> never.await();
    build();
    get(manager.start(t("STUCK")));

    var shutdown = manager.shutdown(Duration.ofSeconds(60));
    awaitState("STUCK", DaemonState.STOPPING);
    time.advance(Duration.ofSeconds(2));

    ShutdownReport report = get(shutdown);
    assertThat(report.unstopped()).containsExactly(t("STUCK"));
    assertThat(report.stopped()).contains(t("A")).doesNotContain(t("STUCK"));
    assertThat(eventsOf(LifecycleEvent.Stopped.class, "STUCK"))
        .singleElement()
        .satisfies(e -> assertThat(e.abandoned()).isTrue());
    assertThat(manager.history(t("STUCK")).getLast().reason())
        .isEqualTo("did not stop within 2s; abandoned");
  }

  @Test
  void shutdownDeadlineAbandonsWhateverIsStillRunning() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    daemon("SLOW", s -> s.stopTimeout(Duration.ofSeconds(100))).onStop = ctx -> never.await();
    build();
    get(manager.start(t("SLOW")));

    var shutdown = manager.shutdown(Duration.ofSeconds(5));
    awaitState("SLOW", DaemonState.STOPPING);
    time.advance(Duration.ofSeconds(5));

    // the built-ins were still waiting for SLOW, so they too had not stopped at the deadline
    assertThat(get(shutdown).unstopped())
        .containsExactly(t("SLOW"), BuiltinDaemons.DAEMON_WATCHDOG, BuiltinDaemons.EVENT_ROUTER);
    assertThat(state("SLOW")).isEqualTo(STOPPED);
  }

  @Test
  void aFailedDependencyKeepsDependentsFromStartingAndSaysWhy() throws Exception {
    Scripted a = daemon("A", s -> s.restartPolicy(RestartPolicy.of(RestartType.TEMPORARY)));
    daemon("B", s -> s.dependsOn(t("A")));
    daemon("C", s -> s.dependsOn(t("B")));
    a.onStart =
        ctx -> {
          throw new IllegalStateException("no database");
        };
    build();

    assertThatThrownBy(() -> get(manager.start(t("C"))))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .hasMessageContaining("Expected daemon A to be RUNNING, but it is FAILED")
        .satisfies(
            e ->
                assertThat(e.getSuppressed())
                    .extracting(Throwable::getMessage)
                    .containsExactly(
                        "Expected daemon B to start, but it is waiting on A, which is FAILED",
                        "Expected daemon C to start, but it is waiting on A, which is FAILED"));
    assertThat(state("A")).isEqualTo(DaemonState.FAILED);
    assertThat(manager.info(t("B")).waitingOn()).contains("waiting on A: FAILED");
    assertThat(manager.info(t("C")).waitingOn()).contains("waiting on A: FAILED");
    assertThat(scripts.get(t("B")).instances).isEmpty();

    a.onStart = ctx -> {};
    get(manager.reset(t("A")));
    assertThat(state("A")).isEqualTo(STOPPED);
    get(manager.start(t("C")));
    assertThat(state("C")).isEqualTo(RUNNING);
  }

  @Test
  void startingAFailedDaemonAsksForAResetFirst() throws Exception {
    daemon("A", s -> s.restartPolicy(RestartPolicy.of(RestartType.TEMPORARY))).onStart =
        ctx -> {
          throw new IllegalStateException("boom");
        };
    build();
    assertThatThrownBy(() -> get(manager.start(t("A")))).hasMessageContaining("FAILED");

    assertThatThrownBy(() -> get(manager.start(t("A"))))
        .hasMessageContaining("Expected daemon A to be RUNNING, but it is FAILED (reset it first)")
        .hasRootCauseMessage("boom");
  }

  @Test
  void aCycleIsRejectedWithItsPath() {
    daemon("A", s -> s.dependsOn(t("C")));
    daemon("B", s -> s.dependsOn(t("A")));
    daemon("C", s -> s.dependsOn(t("B")));
    assertThatThrownBy(this::build)
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("dependency cycle: A -> C -> B -> A");
    manager = null;
  }

  @Test
  void restartStopsDependentsAndStartsEverythingAgainWithFreshInstances() throws Exception {
    Scripted a = daemon("A");
    Scripted b = daemon("B", s -> s.dependsOn(t("A")));
    build();
    get(manager.start(t("B")));

    get(manager.restart(t("A")));

    assertThat(state("A")).isEqualTo(RUNNING);
    assertThat(state("B")).isEqualTo(RUNNING);
    assertThat(a.instances).hasSize(2);
    assertThat(b.instances).hasSize(2);
    assertThat(order.calls)
        .containsExactly("start A", "start B", "stop B", "stop A", "start A", "start B");
  }

  @Test
  void restartOfAStoppedDaemonStartsIt() throws Exception {
    daemon("A");
    build();
    get(manager.restart(t("A")));
    assertThat(state("A")).isEqualTo(RUNNING);
  }

  @Test
  void aStopDuringStartInterruptsTheStartThenStops() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    Scripted a = daemon("A");
    a.onStart = ctx -> never.await();
    build();
    var start = manager.start(t("A"));
    awaitState("A", STARTING);

    get(manager.stop(t("A")));

    assertThat(a.last().startInterrupted).isTrue();
    assertThat(a.last().stopped).isTrue();
    assertThat(start).isCompletedExceptionally();
    assertThat(eventNames("A")).containsExactly("Starting", "Stopping", "Stopped");
  }

  @Test
  void futuresCompleteOffTheControlThread() throws Exception {
    daemon("A");
    build();
    String thread = get(manager.start(t("A")).thenApply(v -> Thread.currentThread().getName()));
    assertThat(thread).doesNotContain("control");
  }

  @Test
  void signalledReadinessStaysStartingUntilReady() throws Exception {
    daemon("A", s -> s.readiness(ReadinessMode.SIGNALLED));
    build();
    var start = manager.start(t("A"));
    await().until(() -> !scripts.get(t("A")).instances.isEmpty() && scripts.get(t("A")).last().started);
    settle();
    assertThat(state("A")).isEqualTo(STARTING);
    assertThat(start).isNotDone();

    scripts.get(t("A")).ctx().ready();
    get(start);
    assertThat(state("A")).isEqualTo(RUNNING);
  }

  @Test
  void unknownTypesAreRejectedWithTheKnownOnes() {
    daemon("A");
    build();
    assertThatThrownBy(() -> manager.start(t("NOPE")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown daemon NOPE")
        .hasMessageContaining("A, DAEMON_WATCHDOG, EVENT_ROUTER");
  }

  @Test
  void afterShutdownRequestsFail() throws Exception {
    daemon("A");
    build();
    get(manager.shutdown(Duration.ofSeconds(5)));
    assertThatThrownBy(() -> get(manager.start(t("A")))).hasMessageContaining("shut");
  }
}
