package dev.vigil.launcher.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.IdleDaemon;
import dev.vigil.launcher.http.HealthServerDaemon;
import dev.vigil.launcher.plugins.CrashOnRequestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {
  static final DaemonType PROBES = DaemonType.of("PROBES");
  static final DaemonType PATIENT = DaemonType.of("PATIENT");

  /** A module with two daemons: one on the core's defaults, one that chose its own values. */
  static final DaemonModule MODULE =
      (config, context) ->
          new DaemonModule.Built(
              List.of(
                  DaemonSpec.builder(PROBES, () -> new IdleDaemon() {}).build(),
                  DaemonSpec.builder(PATIENT, () -> new IdleDaemon() {})
                      .stopTimeout(Duration.ofMinutes(2))
                      .health(Duration.ofSeconds(10), Duration.ofSeconds(2))
                      .build()),
              List.of());

  @TempDir Path dir;

  private Catalog load(String profile, Map<String, String> env) throws Exception {
    Path file = Files.writeString(dir.resolve("p.conf"), profile);
    Settings settings = Settings.load(file, null, env);
    DaemonModule.Context context = new DaemonModule.Context(dir, dir, env, (name, uri) -> {});
    return Catalog.load(settings, List.of(MODULE), Plugins.of(List.of(), dir.resolve("lib")), context);
  }

  private static List<String> problems(ThrowingLoad load) {
    try {
      load.run();
    } catch (BadConfigException e) {
      return e.problems();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a BadConfigException");
  }

  @FunctionalInterface
  interface ThrowingLoad {
    void run() throws Exception;
  }

  @Test
  void nodeWideSettingsReplaceTheCoresDefaultsButNotAModulesOwnChoices() throws Exception {
    Catalog catalog =
        load(
            "vigil.shutdown-timeout = 12s\n",
            Map.of("VIGIL_RESTART_MAX", "9", "VIGIL_HEALTH_INTERVAL", "4"));

    DaemonSpec probes = catalog.specs().get(PROBES);
    assertThat(probes.stopTimeout()).isEqualTo(Duration.ofSeconds(12));
    assertThat(probes.restartPolicy().maxAttempts()).hasValue(9);
    assertThat(probes.healthInterval()).as("a bare number from a variable is seconds").isEqualTo(Duration.ofSeconds(4));
    assertThat(probes.healthTimeout()).as("never longer than the interval").isEqualTo(Duration.ofSeconds(4));

    DaemonSpec patient = catalog.specs().get(PATIENT);
    assertThat(patient.stopTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(patient.healthInterval()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aDaemonBlockOverridesItsSpecAndAddsDependencies() throws Exception {
    Catalog catalog =
        load(
            """
            vigil.daemons.PATIENT {
              stop-timeout = 3s, start-timeout = 7s, restart-max = 0
              health-interval = 1m, health-timeout = 20s, depends-on = [probes]
              restart-delay = 2m
            }
            vigil.daemons.HEALTH_SERVER.restart-max = 2
            """,
            Map.of());

    DaemonSpec patient = catalog.specs().get(PATIENT);
    assertThat(patient.stopTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(patient.startTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(patient.restartPolicy().maxAttempts()).hasValue(0);
    assertThat(patient.restartPolicy().initialDelay()).isEqualTo(Duration.ofMinutes(2));
    assertThat(patient.restartPolicy().maxDelay())
        .as("raised to the first delay")
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(patient.healthInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(patient.healthTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(patient.dependencies()).containsExactly(PROBES);

    DaemonSpec http =
        catalog.withOverrides(
            DaemonSpec.builder(HealthServerDaemon.HEALTH_SERVER, () -> new IdleDaemon() {}).build());
    assertThat(http.restartPolicy().maxAttempts()).hasValue(2);
  }

  @Test
  void aPluginBlockLoadsItsClassWithItsSettings() throws Exception {
    Catalog catalog =
        load(
            """
            vigil.daemons.FLAKY {
              class = "dev.vigil.launcher.plugins.CrashOnRequestDaemon"
              category = test-plugins
              critical = true
              settings { trigger-file = "/tmp/crash-me", nested.any = 1 }
            }
            """,
            Map.of());

    DaemonSpec flaky = catalog.specs().get(DaemonType.of("FLAKY"));
    assertThat(flaky.category()).isEqualTo("test-plugins");
    assertThat(flaky.critical()).isTrue();
    assertThat(flaky.newInstance()).isInstanceOf(CrashOnRequestDaemon.class);
    assertThat(((Config) flaky.config().orElseThrow()).getString("trigger-file"))
        .isEqualTo("/tmp/crash-me");
    assertThat(catalog.types()).contains(DaemonType.of("FLAKY"), PROBES, HealthServerDaemon.HEALTH_SERVER);
  }

  @Test
  void badPluginBlocksAreEachNamedWithTheReason() throws Exception {
    List<String> problems =
        problems(
            () ->
                load(
                    """
                    vigil.daemons.MISSING.class = "com.acme.Missing"
                    vigil.daemons.PLAIN.class = "dev.vigil.launcher.plugins.NotADaemon"
                    vigil.daemons.PICKY.class = "dev.vigil.launcher.plugins.NoUsableConstructor"
                    vigil.daemons.PROBES.class = "dev.vigil.launcher.plugins.CrashOnRequestDaemon"
                    vigil.daemons.lower.class = "dev.vigil.launcher.plugins.CrashOnRequestDaemon"
                    vigil.daemons.GHOST.restart-max = 1
                    """,
                    Map.of()));

    assertThat(problems)
        .anySatisfy(p -> assertThat(p).startsWith("vigil.daemons.MISSING.class = \"com.acme.Missing\" (from ").contains(": class not found (the plug-in class path is empty: give --classpath or put jars in"))
        .anySatisfy(p -> assertThat(p).contains("NotADaemon does not implement dev.vigil.core.Daemon"))
        .anySatisfy(p -> assertThat(p).contains("NoUsableConstructor has no public constructor taking a com.typesafe.config.Config or nothing"))
        .anySatisfy(p -> assertThat(p).contains("PROBES is a built-in daemon; give the plug-in another name"))
        .anySatisfy(p -> assertThat(p).contains("vigil.daemons.lower: a daemon block is named after its daemon in UPPER_SNAKE case (e.g. LOWER)"))
        .anySatisfy(p -> assertThat(p).contains("vigil.daemons.GHOST (from ").contains("is no daemon this node knows (known: DAEMON_WATCHDOG, DIAGNOSIS, EVENT_ROUTER, HEALTH_SERVER, ").contains("PATIENT, PROBES"))
        .hasSize(6);
  }

  @Test
  void unknownKeysAndBadValuesOfBlocksAreReportedWithTheKnownKeys() {
    List<String> problems =
        problems(
            () ->
                load(
                    """
                    vigil.daemons.PROBES { restart-max = many, intervall = 5s }
                    vigil.daemons.PATIENT.depends-on = [NOBODY]
                    vigil.drain-second = 3
                    """,
                    Map.of()));

    assertThat(problems)
        .anySatisfy(p -> assertThat(p).contains("vigil.daemons.PROBES.restart-max = \"many\" (from ").endsWith("is not a whole number"))
        .anySatisfy(p -> assertThat(p).contains("vigil.daemons.PROBES.intervall = \"5s\" (from ").contains("is not a key of PROBES (known: depends-on, health-interval, health-timeout, restart-delay, restart-delay-max, restart-max, start-timeout, stop-timeout)"))
        .anySatisfy(p -> assertThat(p).contains("vigil.drain-second = 3 (from ").contains("is not a key vigil knows"));
  }

  @Test
  void aDependencyOnNoDaemonIsReportedOnceTheBlocksAreOtherwiseGood() {
    List<String> problems =
        problems(() -> load("vigil.daemons.PATIENT.depends-on = [NOBODY]\n", Map.of()));

    assertThat(problems).singleElement().asString().contains("PATIENT").contains("NOBODY");
  }
}
