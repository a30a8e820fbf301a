package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Behaviour at scale, not speed: speed is measured by scripts/bench. */
class ScaleTest {

  @Test
  void tenThousandDaemonsStartAndStop() throws Exception {
    int n = 10_000;
    List<DaemonSpec> specs = new ArrayList<>(n);
    List<DaemonType> types = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      DaemonType type = DaemonType.of("D" + i);
      types.add(type);
      specs.add(DaemonSpec.builder(type, () -> new IdleDaemon() {}).build());
    }
    DaemonManager manager = DaemonManager.builder(DaemonRegistry.of(specs)).build();

    manager.start(types).get(60, TimeUnit.SECONDS);
    assertThat(manager.snapshot().countByState()).containsEntry(DaemonState.RUNNING, (long) n + 2);
    assertThat(manager.readinessProbe().ok()).isTrue();

    ShutdownReport report = manager.shutdown(Duration.ofSeconds(60)).get(60, TimeUnit.SECONDS);
    assertThat(report.clean()).isTrue();
    assertThat(report.stopped()).hasSize(n + 2);
    assertThat(manager.snapshot().countByState()).containsEntry(DaemonState.STOPPED, (long) n + 2);
  }

  @Test
  void aDeepChainStartsAndStopsInOrder() throws Exception {
    int n = 2_000;
    List<DaemonSpec> specs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      DaemonSpec.Builder b = DaemonSpec.builder(DaemonType.of("C" + i), () -> new IdleDaemon() {});
      if (i > 0) {
        b.dependsOn(DaemonType.of("C" + (i - 1)));
      }
      specs.add(b.build());
    }
    DaemonManager manager = DaemonManager.builder(DaemonRegistry.of(specs)).build();
    manager.start(DaemonType.of("C" + (n - 1))).get(60, TimeUnit.SECONDS);
    ShutdownReport report = manager.shutdown(Duration.ofSeconds(60)).get(60, TimeUnit.SECONDS);
    List<DaemonType> expected = new ArrayList<>();
    for (int i = n - 1; i >= 0; i--) {
      expected.add(DaemonType.of("C" + i));
    }
    assertThat(report.stopped().subList(0, n)).containsExactlyElementsOf(expected);
  }
}
