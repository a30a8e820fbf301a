package dev.vigil.launcher.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.core.BuiltinDaemons;
import dev.vigil.core.DaemonType;
import dev.vigil.launcher.http.HealthServerDaemon;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DaemonNamesTest {
  static final DaemonType PROBES = DaemonType.of("PROBES");
  static final List<DaemonType> KNOWN = known();

  private static List<DaemonType> known() {
    List<DaemonType> known = new ArrayList<>(DaemonNames.ALWAYS);
    known.add(PROBES);
    return known;
  }

  @Test
  void namesAreMatchedInAnyCaseAndHealthServerAlwaysComes() {
    assertThat(DaemonNames.resolve(List.of(" probes "), KNOWN))
        .containsExactly(HealthServerDaemon.HEALTH_SERVER, PROBES);
    assertThat(DaemonNames.resolve(List.of(), KNOWN))
        .containsExactly(HealthServerDaemon.HEALTH_SERVER);
  }

  @Test
  void theManagersOwnBuiltInsAreAcceptedAndLeftToTheManager() {
    assertThat(DaemonNames.resolve(List.of("event_router", "DAEMON_WATCHDOG"), KNOWN))
        .containsExactly(HealthServerDaemon.HEALTH_SERVER)
        .doesNotContain(BuiltinDaemons.EVENT_ROUTER);
  }

  @Test
  void everyUnknownNameIsReportedWithTheKnownOnes() {
    String known = "(known: DAEMON_WATCHDOG, EVENT_ROUTER, HEALTH_SERVER, PROBES)";
    assertThatThrownBy(() -> DaemonNames.resolve(List.of("NOPE", "probes", "other"), KNOWN))
        .isInstanceOf(BadConfigException.class)
        .satisfies(
            e ->
                assertThat(((BadConfigException) e).problems())
                    .containsExactly(
                        "unknown daemon 'NOPE' " + known, "unknown daemon 'other' " + known));
  }
}
