package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SmokeTest {
  static final DaemonType A = DaemonType.of("A");
  static final DaemonType B = DaemonType.of("B");

  @Test
  void startsAndStops() throws Exception {
    DaemonRegistry reg =
        DaemonRegistry.of(
            DaemonSpec.builder(A, () -> new IdleDaemon() {}).build(),
            DaemonSpec.builder(B, () -> new IdleDaemon() {}).dependsOn(A).build());
    DaemonManager m = DaemonManager.builder(reg).build();
    m.start(B).get(5, TimeUnit.SECONDS);
    assertThat(m.info(A).state()).isEqualTo(DaemonState.RUNNING);
    assertThat(m.info(B).state()).isEqualTo(DaemonState.RUNNING);
    assertThat(m.readinessProbe().ok()).isTrue();
    ShutdownReport r = m.shutdown(Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
    assertThat(r.clean()).isTrue();
    assertThat(r.stopped()).containsSubsequence(B, A);
    assertThat(m.info(B).state()).isEqualTo(DaemonState.STOPPED);
  }
}
