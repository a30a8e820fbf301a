package dev.vigil.core;

import static dev.vigil.core.DaemonState.BACKOFF;
import static dev.vigil.core.DaemonState.FAILED;
import static dev.vigil.core.DaemonState.RUNNING;
import static dev.vigil.core.DaemonState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RestartTest extends ManagerFixture {
  static final RestartPolicy NO_JITTER = RestartPolicy.defaults().withJitter(0);
  static final RestartPolicy IMMEDIATE =
      NO_JITTER.withBackoff(Duration.ZERO, Duration.ZERO, 1.0).withUnlimitedAttempts();

  /** A daemon restarted at once after a crash, failed past {@code max} restarts in 10 s. */
  private Scripted withIntensity(int max) {
    return daemon("I", b -> b.restartPolicy(IMMEDIATE.withIntensity(max, Duration.ofSeconds(10))));
  }

  /** Crashes the current instance and waits for its successor to be RUNNING. */
  private void crashAndAwaitRestart(Scripted s, int crash) {
    s.ctx().fail(new RuntimeException("crash " + crash));
    await().until(() -> s.instances.size() == crash + 1 && state(s.type.name()) == RUNNING);
  }

  private Scripted alwaysFailing(String name, RestartPolicy policy) {
    Scripted s = daemon(name, b -> b.restartPolicy(policy));
    s.onStart =
        ctx -> {
          throw new java.io.IOException("connection refused (attempt " + ctx.attempt() + ")");
        };
    return s;
  }

  /** Waits for BACKOFF with the given restart count, then lets its delay elapse. */
  private Duration nextBackoff(String name, int restartCount) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                manager.info(t(name)).state() == BACKOFF
                    && manager.info(t(name)).restartCount() == restartCount);
    return manager.info(t(name)).currentBackoff().orElseThrow();
  }

  @Test
  void backoffIsOneTwoFourEightSixteenSecondsThenFailed() throws Exception {
    Scripted s = alwaysFailing("FLAKY", NO_JITTER);
    build();
    var start = manager.start(t("FLAKY"));

    for (int restart = 1; restart <= 5; restart++) {
      Duration delay = nextBackoff("FLAKY", restart);
      assertThat(delay).isEqualTo(Duration.ofSeconds(1L << (restart - 1)));
      assertThat(manager.info(t("FLAKY")).nextRestartAt())
          .contains(time.now().plus(delay));
      time.advance(delay.minusMillis(1));
      settle();
      assertThat(s.instances).as("not restarted before its delay").hasSize(restart);
      time.advance(Duration.ofMillis(1));
    }
    awaitState("FLAKY", FAILED);

    assertThat(s.instances).hasSize(6);
    assertThat(eventsOf(LifecycleEvent.BackoffScheduled.class, "FLAKY"))
        .extracting(LifecycleEvent.BackoffScheduled::delay)
        .containsExactly(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofSeconds(16));
    assertThat(eventsOf(LifecycleEvent.GaveUp.class, "FLAKY"))
        .singleElement()
        .satisfies(e -> assertThat(e.reason()).contains("restart budget spent (5 restarts in a row)"));
    DaemonInfo info = manager.info(t("FLAKY"));
    assertThat(info.restartCount()).isEqualTo(5);
    assertThat(info.lastError().orElseThrow().summary())
        .isEqualTo("java.io.IOException: connection refused (attempt 6)");
    assertThat(info.lastError().orElseThrow().stackTrace()).contains("at dev.vigil.core.RestartTest");
    assertThat(start).isCompletedExceptionally();
    time.advance(Duration.ofMinutes(10));
    settle();
    assertThat(s.instances).as("FAILED is terminal").hasSize(6);
  }

  @Test
  void historyExplainsWhyItKeepsRestarting() throws Exception {
    alwaysFailing("FLAKY", NO_JITTER.withMaxAttempts(1));
    build();
    manager.start(t("FLAKY"));
    time.advance(nextBackoff("FLAKY", 1));
    awaitState("FLAKY", FAILED);

    List<String> lines =
        manager.history(t("FLAKY")).stream()
            .map(tr -> tr.from() + " -> " + tr.to() + ": " + tr.reason())
            .toList();
    assertThat(lines)
        .containsExactly(
            "STOPPED -> STARTING: start requested",
            "STARTING -> BACKOFF: crashed: IOException: connection refused (attempt 1); restart 1 in 1s",
            "BACKOFF -> STARTING: restart 1 after backoff",
            "STARTING -> FAILED: crashed: IOException: connection refused (attempt 2);"
                + " restart budget spent (1 restarts in a row)");
  }

  @Test
  void historyKeepsTheLastFiftyTransitions() throws Exception {
    alwaysFailing("LOOPING", IMMEDIATE.withMaxAttempts(40));
    build();
    manager.start(t("LOOPING"));
    awaitState("LOOPING", FAILED);
    List<Transition> history = manager.history(t("LOOPING"));
    assertThat(history).hasSize(50);
    assertThat(history.getLast().to()).isEqualTo(FAILED);
  }

  @Test
  void jitterSpreadsEachDelayWithinTenPercent() throws Exception {
    RandomGenerator lowest = () -> 0L; // nextDouble() of an all-zero generator is 0.0
    alwaysFailing("LOW", RestartPolicy.defaults());
    build(b -> b.random(lowest));
    manager.start(t("LOW"));
    assertThat(nextBackoff("LOW", 1)).isEqualTo(Duration.ofMillis(900));
    time.advance(Duration.ofMillis(900));
    assertThat(nextBackoff("LOW", 2)).isEqualTo(Duration.ofMillis(1800));
  }

  @Test
  void seededJitterStaysInsideTheBand() throws Exception {
    alwaysFailing("J", RestartPolicy.defaults().withUnlimitedAttempts());
    build();
    manager.start(t("J"));
    for (int restart = 1; restart <= 8; restart++) {
      Duration delay = nextBackoff("J", restart);
      long base = Math.min(1000L << (restart - 1), 60_000L);
      assertThat(delay.toMillis()).isBetween(base * 9 / 10, base * 11 / 10);
      time.advance(delay);
    }
  }

  @Test
  void aStableRunForgetsEarlierAttempts() throws Exception {
    Scripted s = daemon("S", b -> b.restartPolicy(NO_JITTER));
    build();
    get(manager.start(t("S")));

    s.ctx().fail(new RuntimeException("first"));
    time.advance(nextBackoff("S", 1)); // 1 s
    awaitState("S", RUNNING);
    time.advance(Duration.ofSeconds(10)); // not stable yet
    s.ctx().fail(new RuntimeException("second"));
    assertThat(nextBackoff("S", 2)).isEqualTo(Duration.ofSeconds(2));
    time.advance(Duration.ofSeconds(2));
    awaitState("S", RUNNING);

    time.advance(Duration.ofSeconds(60)); // stable: the count starts over
    s.ctx().fail(new RuntimeException("third"));
    assertThat(nextBackoff("S", 3)).isEqualTo(Duration.ofSeconds(1));
    assertThat(manager.info(t("S")).attempt()).isEqualTo(1);
  }

  @Test
  void permanentRestartsAfterANormalExit() throws Exception {
    Scripted s = daemon("P", b -> b.restartPolicy(NO_JITTER));
    build();
    get(manager.start(t("P")));
    s.ctx().complete();
    nextBackoff("P", 1);
    assertThat(manager.info(t("P")).lastError()).isEmpty();
    assertThat(eventsOf(LifecycleEvent.Failed.class, "P")).isEmpty();
  }

  @Test
  void transientStopsAfterANormalExitButRestartsAfterACrash() throws Exception {
    Scripted s = daemon("T", b -> b.restartPolicy(NO_JITTER.withType(RestartType.TRANSIENT)));
    build();
    get(manager.start(t("T")));
    s.ctx().fail(new RuntimeException("crash"));
    time.advance(nextBackoff("T", 1));
    awaitState("T", RUNNING);

    s.ctx().complete();
    awaitState("T", STOPPED);
    assertThat(manager.history(t("T")).getLast().reason())
        .isEqualTo("exited normally; a TRANSIENT daemon is not restarted");
    assertThat(manager.readinessProbe().ok()).isTrue();
  }

  @Test
  void temporaryIsNeverRestarted() throws Exception {
    Scripted s = daemon("TMP", b -> b.restartPolicy(RestartPolicy.of(RestartType.TEMPORARY)));
    build();
    get(manager.start(t("TMP")));
    s.ctx().fail(new RuntimeException("crash"));
    awaitState("TMP", FAILED);
    assertThat(eventsOf(LifecycleEvent.GaveUp.class, "TMP")).hasSize(1);
    assertThat(s.instances).hasSize(1);
    assertThat(s.last().stopped).as("the crashed instance is cleaned up").isTrue();
  }

  @Test
  void intensityLimitFailsTheDaemonAfterTooManyRestartsInTheWindow() throws Exception {
    Scripted s = withIntensity(2);
    build();
    get(manager.start(t("I")));
    crashAndAwaitRestart(s, 1);
    crashAndAwaitRestart(s, 2);
    s.ctx().fail(new RuntimeException("crash 3"));
    awaitState("I", FAILED);
    assertThat(manager.history(t("I")).getLast().reason())
        .endsWith("more than 2 restarts within 10s");
  }

  @Test
  void intensityWindowSlides() throws Exception {
    Scripted s = withIntensity(1);
    build();
    get(manager.start(t("I")));
    for (int crash = 1; crash <= 3; crash++) {
      crashAndAwaitRestart(s, crash);
      time.advance(Duration.ofSeconds(11));
    }
    assertThat(state("I")).isEqualTo(RUNNING);
  }

  @Test
  void startTimeoutFailsTheAttemptAndInterruptsTheStart() throws Exception {
    java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
    Scripted s = daemon("SLOW", b -> b.startTimeout(Duration.ofSeconds(10)).restartPolicy(NO_JITTER));
    s.onStart = ctx -> never.await();
    build();
    manager.start(t("SLOW"));
    await().until(() -> !s.instances.isEmpty());
    time.advance(Duration.ofSeconds(9));
    settle();
    assertThat(state("SLOW")).isEqualTo(DaemonState.STARTING);

    time.advance(Duration.ofSeconds(1));
    nextBackoff("SLOW", 1);
    ErrorInfo error = manager.info(t("SLOW")).lastError().orElseThrow();
    assertThat(error.type()).isEqualTo(DaemonFault.class.getName());
    assertThat(error.message()).isEqualTo("SLOW did not become ready within 10s");
    await().until(() -> s.instances.get(0).startInterrupted && s.instances.get(0).stopped);
  }

  @Test
  void aReportFromASupersededInstanceIsIgnored() throws Exception {
    Scripted s = daemon("S", b -> b.restartPolicy(NO_JITTER));
    build();
    get(manager.start(t("S")));
    DaemonContext first = s.ctx();
    first.fail(new RuntimeException("crash"));
    time.advance(nextBackoff("S", 1));
    awaitState("S", RUNNING);

    first.fail(new RuntimeException("late report from the old instance"));
    first.ready();
    settle();
    assertThat(state("S")).isEqualTo(RUNNING);
    assertThat(manager.info(t("S")).restartCount()).isEqualTo(1);
    assertThat(first.isStopping()).isTrue();
  }

  @Test
  void aStopDuringBackoffCallsTheRestartOff() throws Exception {
    Scripted s = alwaysFailing("F", NO_JITTER);
    build();
    manager.start(t("F"));
    nextBackoff("F", 1);
    get(manager.stop(t("F")));
    assertThat(state("F")).isEqualTo(STOPPED);
    time.advance(Duration.ofMinutes(1));
    settle();
    assertThat(s.instances).hasSize(1);
  }

  @Test
  void restartWaitsForTheCrashedInstanceToFinishStopping() throws Exception {
    java.util.concurrent.CountDownLatch releaseStop = new java.util.concurrent.CountDownLatch(1);
    Scripted s = daemon("S", b -> b.restartPolicy(IMMEDIATE));
    build();
    get(manager.start(t("S")));
    s.onStop = ctx -> releaseStop.await();
    s.ctx().fail(new RuntimeException("crash"));
    await().until(() -> order.calls.contains("stop S"));
    settle();
    assertThat(s.instances).as("no second instance while the first still runs").hasSize(1);

    s.onStop = ctx -> {};
    releaseStop.countDown();
    awaitState("S", RUNNING);
    assertThat(s.instances).hasSize(2);
  }
}
