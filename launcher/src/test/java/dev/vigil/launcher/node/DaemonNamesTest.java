package dev.vigil.launcher.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.launcher.http.HealthServerDaemon;
import java.util.List;
import org.junit.jupiter.api.Test;

class DaemonNamesTest {
  @Test
  void namesAreMatchedInAnyCaseAndHealthServerAlwaysComes() {
    assertThat(DaemonNames.resolve(List.of(" health_server "), DaemonNames.CATALOG))
        .containsExactly(HealthServerDaemon.HEALTH_SERVER);
    assertThat(DaemonNames.resolve(List.of(), DaemonNames.CATALOG))
        .containsExactly(HealthServerDaemon.HEALTH_SERVER);
    assertThat(DaemonNames.problems(List.of("Health_Server"))).isEmpty();
  }

  @Test
  void everyUnknownNameIsReportedWithTheKnownOnes() {
    List<String> expected =
        List.of(
            "unknown daemon 'NOPE' (known: HEALTH_SERVER)",
            "unknown daemon 'other' (known: HEALTH_SERVER)");
    assertThat(DaemonNames.problems(List.of("NOPE", "health_server", "other")))
        .isEqualTo(expected);
    assertThatThrownBy(
            () -> DaemonNames.resolve(List.of("NOPE", "health_server", "other"), DaemonNames.CATALOG))
        .isInstanceOf(BadConfigException.class)
        .satisfies(e -> assertThat(((BadConfigException) e).problems()).isEqualTo(expected));
  }
}
