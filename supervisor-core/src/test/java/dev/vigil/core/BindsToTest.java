package dev.vigil.core;

import static dev.vigil.core.DaemonState.BACKOFF;
import static dev.vigil.core.DaemonState.RUNNING;
import static dev.vigil.core.DaemonState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BindsToTest extends ManagerFixture {

  @Test
  void aBoundDaemonStopsWhenItsDependencyCrashesAndStartsAgainWhenItIsBack() throws Exception {
    Scripted db = daemon("DB", b -> b.restartPolicy(RestartPolicy.defaults().withJitter(0)));
    Scripted cache = daemon("CACHE", b -> b.bindsTo(t("DB")));
    daemon("PLAIN", b -> b.dependsOn(t("DB")));
    build();
    get(manager.start(Profile.of("p", t("CACHE"), t("PLAIN"))));

    db.ctx().fail(new RuntimeException("connection reset"));
    awaitState("DB", BACKOFF);
    awaitState("CACHE", STOPPED);
    assertThat(manager.history(t("CACHE")))
        .extracting(tr -> tr.to() + ": " + tr.reason())
        .endsWith("STOPPING: bound to DB, which is BACKOFF", "STOPPED: stopped");
    assertThat(state("PLAIN")).as("a plain dependent keeps running").isEqualTo(RUNNING);
    assertThat(manager.info(t("CACHE")).waitingOn()).contains("waiting on DB: BACKOFF");

    time.advance(Duration.ofSeconds(1));
    awaitState("DB", RUNNING);
    awaitState("CACHE", RUNNING);
    assertThat(cache.instances).hasSize(2);
    assertThat(scripts.get(t("PLAIN")).instances).hasSize(1);
  }

  @Test
  void aBoundDaemonFollowsAnExplicitStopAndStartOfItsDependency() throws Exception {
    daemon("DB");
    Scripted cache = daemon("CACHE", b -> b.bindsTo(t("DB")));
    daemon("PLAIN", b -> b.dependsOn(t("DB")));
    build();
    get(manager.start(Profile.of("p", t("CACHE"), t("PLAIN"))));

    get(manager.stop(t("DB")));
    assertThat(state("CACHE")).isEqualTo(STOPPED);
    assertThat(state("PLAIN")).isEqualTo(STOPPED);

    get(manager.start(t("DB")));
    awaitState("CACHE", RUNNING);
    assertThat(cache.instances).hasSize(2);
    assertThat(state("PLAIN")).as("a plain dependent stays stopped").isEqualTo(STOPPED);
  }

  @Test
  void aBoundDaemonIsRestartedWithItsDependency() throws Exception {
    daemon("DB");
    Scripted cache = daemon("CACHE", b -> b.bindsTo(t("DB")));
    build();
    get(manager.start(t("CACHE")));
    get(manager.restart(t("DB")));
    await().until(() -> state("CACHE") == RUNNING && cache.instances.size() == 2);
    assertThat(order.calls)
        .containsExactly("start DB", "start CACHE", "stop CACHE", "stop DB", "start DB", "start CACHE");
  }
}
