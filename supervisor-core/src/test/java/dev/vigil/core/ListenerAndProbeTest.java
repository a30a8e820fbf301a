package dev.vigil.core;

import static dev.vigil.core.DaemonState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ListenerAndProbeTest extends ManagerFixture {

  @Test
  void listenersSeeTheWholeLifecycleInOrder() throws Exception {
    daemon("A");
    build();
    get(manager.start(t("A")));
    get(manager.stop(t("A")));
    await().until(() -> eventNames("A").size() == 4);
    assertThat(eventNames("A")).containsExactly("Starting", "Running", "Stopping", "Stopped");
  }

  @Test
  void aThrowingListenerIsSkippedAndOthersStillGetEverything() throws Exception {
    daemon("A");
    build();
    List<LifecycleEvent> thrownOn = new CopyOnWriteArrayList<>();
    manager.addListener(
        e -> {
          thrownOn.add(e);
          throw new IllegalStateException("listener bug");
        });
    get(manager.start(t("A")));
    get(manager.stop(t("A")));

    await().until(() -> eventNames("A").size() == 4);
    assertThat(eventNames("A")).containsExactly("Starting", "Running", "Stopping", "Stopped");
    await()
        .untilAsserted(
            () ->
                assertThat(thrownOn.stream().filter(e -> e.type().equals(t("A"))))
                    .as("the throwing listener keeps receiving")
                    .hasSize(4));
  }

  @Test
  void aSlowListenerBlocksNeitherTheManagerNorOtherListeners() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    daemon("A");
    daemon("B", s -> s.dependsOn(t("A")));
    build();
    manager.addListener(
        e -> {
          try {
            release.await();
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
        });
    get(manager.start(t("B")));
    get(manager.restart(t("A")));
    await().until(() -> eventNames("B").size() == 6);
    release.countDown();
  }

  @Test
  void aClosedListenerGetsNothingMore() throws Exception {
    daemon("A");
    build();
    List<LifecycleEvent> seen = new CopyOnWriteArrayList<>();
    var registration = manager.addListener(seen::add);
    get(manager.start(t("A")));
    await().until(() -> seen.stream().anyMatch(e -> e instanceof LifecycleEvent.Running r && r.type().equals(t("A"))));
    registration.close();
    int before = seen.size();
    get(manager.stop(t("A")));
    await().until(() -> eventNames("A").size() == 4);
    assertThat(seen).hasSize(before);
  }

  @Test
  void readinessWaitsForTheFirstStartAndLivenessForCriticalFailures() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Scripted crit =
        daemon(
            "CRIT",
            b -> b.critical(true).restartPolicy(RestartPolicy.of(RestartType.TEMPORARY)));
    crit.onStart = ctx -> release.await();
    daemon("EXTRA");
    build();
    assertThat(manager.readinessProbe().ok()).as("nothing requested yet").isTrue();

    var start = manager.start(Profile.of("p", t("CRIT"), t("EXTRA")));
    await().until(() -> state("CRIT") == DaemonState.STARTING);
    ProbeResult notReady = manager.readinessProbe();
    assertThat(notReady.ok()).isFalse();
    assertThat(notReady.reasons()).contains("CRIT is STARTING (not ready yet)");
    assertThat(manager.livenessProbe().ok()).isTrue();

    release.countDown();
    get(start);
    await().until(() -> manager.readinessProbe().ok());

    crit.ctx().fail(new IllegalStateException("lost the lease"));
    awaitState("CRIT", DaemonState.FAILED);
    ProbeResult dead = manager.livenessProbe();
    assertThat(dead.ok()).isFalse();
    assertThat(dead.reasons())
        .containsExactly(
            "CRIT is FAILED: crashed: IllegalStateException: lost the lease;"
                + " a TEMPORARY daemon is not restarted");
    assertThat(manager.readinessProbe().reasons()).hasSize(1);
  }

  @Test
  void concurrentProbesShareRoundTripsAndAllSeeTheVerdict() throws Exception {
    Scripted s = daemon("CRIT", b -> b.critical(true).restartPolicy(RestartPolicy.of(RestartType.TEMPORARY)));
    build();
    get(manager.start(t("CRIT")));
    assertThat(probeConcurrently(16, 50)).containsOnly(true);

    s.ctx().fail(new IllegalStateException("gone"));
    awaitState("CRIT", DaemonState.FAILED);
    assertThat(probeConcurrently(16, 50)).containsOnly(false);
  }

  /** Liveness answers of {@code threads} threads probing {@code times} each, all at once. */
  private List<Boolean> probeConcurrently(int threads, int times) throws Exception {
    List<Boolean> answers = new CopyOnWriteArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> probers = new java.util.ArrayList<>();
    for (int i = 0; i < threads; i++) {
      probers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      go.await();
                      for (int n = 0; n < times; n++) {
                        answers.add(manager.livenessProbe().ok());
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }));
    }
    go.countDown();
    for (Thread t : probers) {
      t.join();
    }
    assertThat(answers).hasSize(threads * times);
    return answers;
  }

  @Test
  void aFailedNonCriticalDaemonDoesNotMakeTheNodeUnready() throws Exception {
    Scripted s = daemon("OPTIONAL", b -> b.restartPolicy(RestartPolicy.of(RestartType.TEMPORARY)));
    build();
    get(manager.start(t("OPTIONAL")));
    s.ctx().fail(new RuntimeException("gone"));
    awaitState("OPTIONAL", DaemonState.FAILED);
    assertThat(manager.readinessProbe().ok()).isTrue();
    assertThat(manager.livenessProbe().ok()).isTrue();
  }

  @Test
  void readinessTurnsFalseWhenShutdownBegins() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    daemon("A").onStop = ctx -> release.await();
    build();
    get(manager.start(t("A")));
    var shutdown = manager.shutdown(Duration.ofSeconds(60));
    await().until(() -> state("A") == DaemonState.STOPPING);
    assertThat(manager.readinessProbe().reasons()).contains("shutting down");
    release.countDown();
    get(shutdown);
  }

  @Test
  void snapshotIsConsistentAndImmutable() throws Exception {
    daemon("A");
    daemon("B", s -> s.dependsOn(t("A")).category("sync"));
    build();
    get(manager.start(t("B")));
    ManagerSnapshot snap = manager.snapshot();
    assertThat(snap.daemons().keySet())
        .containsExactly(t("A"), t("B"), BuiltinDaemons.DAEMON_WATCHDOG, BuiltinDaemons.EVENT_ROUTER);
    assertThat(snap.daemons().get(t("B")).category()).isEqualTo("sync");
    assertThat(snap.daemons().get(t("B")).startedAt()).contains(time.now());
    get(manager.stop(t("A")));
    assertThat(snap.daemons().get(t("A")).state()).as("a snapshot never changes").isEqualTo(RUNNING);
    assertThat(manager.snapshot().countByState().get(DaemonState.STOPPED)).isEqualTo(2L);
  }

  @Test
  void daemonsReachTheirConfigAndTheEventBus() throws Exception {
    record Settings(String url) {}
    record Ping(int n) {}
    List<Object> received = new CopyOnWriteArrayList<>();
    Scripted a = daemon("A", b -> b.config(new Settings("http://127.0.0.1:9")));
    a.onStart =
        ctx -> {
          received.add(ctx.config(Settings.class).url());
          ctx.events().subscribe(Ping.class, received::add);
        };
    build();
    get(manager.start(t("A")));
    manager.events().publish(new Ping(1));
    await().until(() -> received.size() == 2);
    assertThat(received).containsExactly("http://127.0.0.1:9", new Ping(1));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.ctx().config(Integer.class))
        .hasMessageContaining("has configuration of type")
        .hasMessageContaining("Settings, not java.lang.Integer");
  }
}
