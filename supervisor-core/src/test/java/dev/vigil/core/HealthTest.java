package dev.vigil.core;

import static dev.vigil.core.DaemonState.BACKOFF;
import static dev.vigil.core.DaemonState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HealthTest extends ManagerFixture {
  static final Duration INTERVAL = Duration.ofSeconds(10);
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private Scripted checked(String name, int failures, int successes) {
    return daemon(
        name,
        b ->
            b.health(INTERVAL, TIMEOUT)
                .healthThresholds(failures, successes)
                .restartPolicy(RestartPolicy.defaults().withJitter(0)));
  }

  private boolean checkedOnce;

  /**
   * Moves time to the daemon's next health check: the first is due at once when it is RUNNING,
   * the next ones an interval apart.
   */
  private void nextCheck() {
    // a check still under way when the next is due makes that one skip: let every check answer
    // and its result reach the control thread first
    await().until(() -> scripts.values().stream()
        .allMatch(x -> x.healthChecksAnswered.get() == x.healthChecks.get()));
    settle();
    time.advance(checkedOnce ? INTERVAL : Duration.ZERO);
    checkedOnce = true;
  }

  /** Starts the daemon and waits until the watchdog runs, so health timers are set. */
  private void start(String name) throws Exception {
    get(manager.start(t(name)));
    awaitState("DAEMON_WATCHDOG", RUNNING);
  }

  @Test
  void healthIsUnknownUntilTheFirstCheckThenCached() throws Exception {
    Scripted s = checked("A", 3, 1);
    build();
    start("A");
    assertThat(manager.health(t("A")).status()).isEqualTo(HealthStatus.UNKNOWN);
    assertThat(manager.health(t("A")).message()).isEqualTo("not checked yet");
    assertThat(manager.info(t("A")).lastHealthCheckDuration()).isEmpty();

    s.health = () -> HealthCheckResult.ok("all good");
    nextCheck(); // due at once, not an interval after the start
    await().until(() -> manager.health(t("A")).message().equals("all good"));
    assertThat(manager.allHealth().get(t("A")).status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(manager.info(t("A")).lastHealthCheckDuration())
        .hasValueSatisfying(d -> assertThat(d).isPositive().isLessThan(TIMEOUT));
    assertThat(eventsOf(LifecycleEvent.HealthChanged.class, "A"))
        .singleElement()
        .satisfies(e -> assertThat(e.current().status()).isEqualTo(HealthStatus.HEALTHY));
  }

  @Test
  void aHungCheckIsUnhealthyAfterItsTimeoutAndRestartsTheDaemon() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    Scripted s = checked("HUNG", 1, 1);
    s.health =
        () -> {
          never.await();
          return HealthCheckResult.ok();
        };
    build();
    start("HUNG");

    nextCheck();
    await().until(() -> s.healthChecks.get() == 1);
    time.advance(TIMEOUT.minusMillis(1));
    settle();
    assertThat(state("HUNG")).isEqualTo(RUNNING);
    time.advance(Duration.ofMillis(1));

    awaitState("HUNG", BACKOFF);
    ErrorInfo error = manager.info(t("HUNG")).lastError().orElseThrow();
    assertThat(error.type()).isEqualTo(DaemonFault.class.getName());
    assertThat(error.message())
        .isEqualTo("HUNG failed 1 health checks in a row: health check did not answer within 2s");
    assertThat(manager.info(t("HUNG")).lastHealthCheckDuration())
        .as("a timed-out check counts its timeout")
        .hasValue(TIMEOUT);
    assertThat(manager.health(t("HUNG")).status()).isEqualTo(HealthStatus.UNKNOWN);
    assertThat(eventsOf(LifecycleEvent.HealthChanged.class, "HUNG"))
        .extracting(e -> e.current().status())
        .containsExactly(HealthStatus.UNHEALTHY);
  }

  @Test
  void aThrowingCheckCountsAsUnhealthyAndTheThresholdDampsIt() throws Exception {
    Scripted s = checked("T", 3, 1);
    s.health =
        () -> {
          throw new IllegalStateException("pool exhausted");
        };
    build();
    start("T");

    for (int check = 1; check <= 2; check++) {
      nextCheck();
      int expected = check;
      await().until(() -> s.healthChecks.get() == expected);
    }
    settle();
    await().untilAsserted(() -> assertThat(state("T")).isEqualTo(RUNNING));
    assertThat(manager.health(t("T")).status())
        .as("two failures are below the threshold of three")
        .isEqualTo(HealthStatus.UNKNOWN);

    nextCheck();
    awaitState("T", BACKOFF);
    assertThat(manager.info(t("T")).lastError().orElseThrow().message())
        .isEqualTo(
            "T failed 3 health checks in a row: health check threw IllegalStateException: pool exhausted");
    assertThat(s.instances.get(0).stopped).isTrue();
  }

  @Test
  void aGoodCheckInBetweenResetsTheFailureCount() throws Exception {
    Scripted s = checked("F", 2, 1);
    AtomicInteger calls = new AtomicInteger();
    // unhealthy, healthy, unhealthy, healthy ...: never two in a row
    s.health =
        () ->
            calls.incrementAndGet() % 2 == 1
                ? HealthCheckResult.unhealthy("blip")
                : HealthCheckResult.ok();
    build();
    start("F");
    for (int check = 1; check <= 6; check++) {
      nextCheck();
      int expected = check;
      await().until(() -> s.healthChecks.get() == expected);
      settle();
    }
    settle();
    assertThat(state("F")).isEqualTo(RUNNING);
    assertThat(s.instances).hasSize(1);
  }

  @Test
  void aDaemonThatReportsOnTheWorldStaysRunningWhenUnhealthy() throws Exception {
    Scripted s =
        daemon(
            "PROBER",
            b ->
                b.health(INTERVAL, TIMEOUT)
                    .healthThresholds(2, 1)
                    .restartWhenUnhealthy(false));
    s.health = () -> HealthCheckResult.unhealthy("api.health: connection refused");
    build();
    start("PROBER");
    for (int check = 1; check <= 4; check++) {
      nextCheck();
      int expected = check;
      await().until(() -> s.healthChecks.get() == expected);
    }
    await().until(() -> manager.health(t("PROBER")).status() == HealthStatus.UNHEALTHY);
    settle();
    assertThat(state("PROBER")).isEqualTo(RUNNING);
    assertThat(s.instances).hasSize(1);
    assertThat(manager.info(t("PROBER")).restartCount()).isZero();

    s.health = () -> HealthCheckResult.ok("all probes healthy");
    nextCheck();
    await().until(() -> manager.health(t("PROBER")).status() == HealthStatus.HEALTHY);
  }

  @Test
  void degradedNeverRestarts() throws Exception {
    Scripted s = checked("D", 1, 1);
    s.health = () -> HealthCheckResult.degraded("2 sync errors");
    build();
    start("D");
    for (int check = 1; check <= 5; check++) {
      nextCheck();
      int expected = check;
      await().until(() -> s.healthChecks.get() == expected);
    }
    await().until(() -> manager.health(t("D")).status() == HealthStatus.DEGRADED);
    assertThat(manager.health(t("D")).message()).isEqualTo("2 sync errors");
    assertThat(state("D")).isEqualTo(RUNNING);
    assertThat(s.instances).hasSize(1);
  }

  @Test
  void recoveringFromDegradedNeedsTheSuccessThreshold() throws Exception {
    Scripted s = checked("R", 3, 2);
    s.health = () -> HealthCheckResult.degraded("lagging");
    build();
    start("R");
    nextCheck();
    await().until(() -> manager.health(t("R")).status() == HealthStatus.DEGRADED);

    s.health = HealthCheckResult::ok;
    nextCheck();
    await().until(() -> s.healthChecks.get() == 2);
    settle();
    settle();
    assertThat(manager.health(t("R")).status()).as("one good check is not enough").isEqualTo(HealthStatus.DEGRADED);

    nextCheck();
    await().until(() -> manager.health(t("R")).status() == HealthStatus.HEALTHY);
  }

  @Test
  void aMissedHeartbeatRestartsTheDaemon() throws Exception {
    daemon(
        "BEAT",
        b ->
            b.watchdogTimeout(Duration.ofSeconds(5))
                .restartPolicy(RestartPolicy.defaults().withJitter(0)));
    build();
    start("BEAT");
    time.advance(Duration.ofSeconds(3));
    scripts.get(t("BEAT")).ctx().heartbeat();
    time.advance(Duration.ofSeconds(3)); // 6 s since start, 3 s since the beat
    settle();
    assertThat(state("BEAT")).isEqualTo(RUNNING);

    time.advance(Duration.ofSeconds(2)); // 5 s of silence
    awaitState("BEAT", BACKOFF);
    ErrorInfo error = manager.info(t("BEAT")).lastError().orElseThrow();
    assertThat(error.message()).isEqualTo("BEAT sent no heartbeat for 5s (watchdog timeout 5s)");
  }

  @Test
  void aDaemonThatBeatsKeepsRunning() throws Exception {
    daemon("BEAT", b -> b.watchdogTimeout(Duration.ofSeconds(5)));
    build();
    start("BEAT");
    for (int i = 0; i < 20; i++) {
      scripts.get(t("BEAT")).ctx().heartbeat();
      time.advance(Duration.ofSeconds(4));
    }
    settle();
    assertThat(state("BEAT")).isEqualTo(RUNNING);
  }

  @Test
  void withoutTheWatchdogNoCheckRuns() throws Exception {
    Scripted s = checked("A", 1, 1);
    build();
    start("A");
    get(manager.stop(BuiltinDaemons.DAEMON_WATCHDOG));
    time.advance(INTERVAL.multipliedBy(3));
    settle();
    assertThat(s.healthChecks.get()).isZero();

    get(manager.start(BuiltinDaemons.DAEMON_WATCHDOG));
    nextCheck(); // at once when the watchdog starts...
    await().until(() -> s.healthChecks.get() == 1);
    nextCheck(); // ...then one per interval
    await().until(() -> s.healthChecks.get() == 2);
  }

  @Test
  void builtinsReportTheirOwnHealth() throws Exception {
    daemon("A");
    build();
    start("A");
    awaitState("EVENT_ROUTER", RUNNING);
    time.advance(Duration.ofSeconds(30));
    await()
        .until(
            () ->
                manager.health(BuiltinDaemons.EVENT_ROUTER).status() == HealthStatus.HEALTHY
                    && manager.health(BuiltinDaemons.DAEMON_WATCHDOG).status()
                        == HealthStatus.HEALTHY);
    assertThat(manager.health(BuiltinDaemons.DAEMON_WATCHDOG).details())
        .containsKey("checks_run_total");
  }
}
