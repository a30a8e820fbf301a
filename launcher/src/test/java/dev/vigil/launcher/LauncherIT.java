package dev.vigil.launcher;

import static dev.vigil.launcher.VigilProcesses.finish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.launcher.VigilProcesses.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the built {@code vigil.jar} as processes, as an operator would. */
class LauncherIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The jar of test plug-in daemons the build makes (failsafe passes its path). */
  private static final String PLUGINS = System.getProperty("vigil.testPlugins");

  @TempDir Path stateDir;
  private final List<Process> nodes = new ArrayList<>();

  private ProcessBuilder vigil(Map<String, String> env, String... args) {
    return VigilProcesses.vigil(stateDir, env, args);
  }

  private Run run(Map<String, String> env, String... args) throws Exception {
    return finish(vigil(env, args).start());
  }

  private Process startNode(String... args) throws IOException {
    return startNode(Map.of(), args);
  }

  private Process startNode(Map<String, String> env, String... args) throws IOException {
    ProcessBuilder pb = vigil(env, args);
    pb.redirectErrorStream(true);
    pb.redirectOutput(stateDir.resolveSibling(stateDir.getFileName() + "-node.log").toFile());
    Process node = pb.start();
    nodes.add(node);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Files.isRegularFile(stateDir.resolve("node.json")) || !node.isAlive());
    assertThat(node.isAlive()).as("node is up: " + log()).isTrue();
    return node;
  }

  private String log() throws IOException {
    Path log = stateDir.resolveSibling(stateDir.getFileName() + "-node.log");
    return Files.isRegularFile(log) ? Files.readString(log) : "";
  }

  @AfterEach
  void killNodes() {
    nodes.forEach(Process::destroyForcibly);
  }

  /** Clients find the node through node.json, so they are not told the port. */
  private Run clientNoPort(Map<String, String> env, String... args) throws Exception {
    ProcessBuilder pb = vigil(env, args);
    pb.environment().remove("VIGIL_HEALTH_PORT");
    return finish(pb.start());
  }

  @Test
  void aNodeRunsIsQueriedControlledAndStopsOnSigterm() throws Exception {
    Process node = startNode("--all");
    JsonNode info = JSON.readTree(stateDir.resolve("node.json").toFile());
    assertThat(info.path("pid").asLong()).isEqualTo(node.pid());
    String url = info.path("http_url").asText();
    assertThat(url).startsWith("http://127.0.0.1:");
    assertThat(Files.getPosixFilePermissions(stateDir.resolve("token")))
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(clientNoPort(Map.of(), "--status").exit()).isZero());
    Run status = clientNoPort(Map.of(), "--status", "--json");
    assertThat(status.exit()).isZero();
    JsonNode doc = JSON.readTree(status.out());
    assertThat(doc.path("daemons").findValuesAsText("name"))
        .contains("HEALTH_SERVER", "DAEMON_WATCHDOG", "EVENT_ROUTER");
    Run text = clientNoPort(Map.of(), "--status");
    assertThat(text.out()).contains("HEALTH_SERVER: RUNNING");

    Run denied = clientNoPort(Map.of("VIGIL_TOKEN", "wrong"), "restart", "event_router");
    assertThat(denied.exit()).isEqualTo(1);
    assertThat(denied.err()).contains("not authorised");
    Run restarted = clientNoPort(Map.of(), "restart", "event_router");
    assertThat(restarted.exit()).as(restarted.err()).isZero();
    assertThat(restarted.out()).contains("EVENT_ROUTER: restart requested");

    node.destroy(); // SIGTERM
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).as(log()).isZero();
    assertThat(stateDir.resolve("node.json")).doesNotExist();
    assertThat(stateDir.resolve("token")).as("no token outlives its node").doesNotExist();
    assertThat(log()).contains("vigil: stopped");

    Run gone = clientNoPort(Map.of(), "--status", "--url", url);
    assertThat(gone.exit()).isEqualTo(3);
    assertThat(gone.err())
        .contains("vigil is not running: nothing answers at 127.0.0.1:" + url.replaceAll(".*:", ""));
  }

  @Test
  void stopAsksTheNodeToGoAndWaits() throws Exception {
    Process node = startNode("--all");
    Run stop = clientNoPort(Map.of(), "--stop");
    assertThat(stop.exit()).as(stop.err()).isZero();
    assertThat(stop.out()).contains("vigil stopped");
    assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).isZero();

    Run again = clientNoPort(Map.of(), "--stop");
    assertThat(again.exit()).isZero();
    assertThat(again.out()).contains("vigil is not running");
  }

  @Test
  void aSecondNodeOnTheSameStateDirectoryRefuses() throws Exception {
    startNode("--all");
    Run second = run(Map.of(), "--all");
    assertThat(second.exit()).isEqualTo(1);
    assertThat(second.err()).contains("another vigil node is running with state directory");
  }

  @Test
  void aNodeThatCannotListenSaysWhyAndExits1(@TempDir Path otherState) throws Exception {
    startNode("--all");
    String port =
        JSON.readTree(stateDir.resolve("node.json").toFile()).path("http_url").asText().replaceAll(".*:", "");
    Run second = run(Map.of("VIGIL_STATE_DIR", otherState.toString(), "VIGIL_HEALTH_PORT", port), "--all");
    assertThat(second.exit()).isEqualTo(1);
    assertThat(second.err())
        .contains("could not start profile standalone: Failed to bind to /127.0.0.1:" + port)
        .contains("Address already in use");
  }

  @Test
  void aBadValueExits78NamingTheKeyTheValueAndItsSource() throws Exception {
    Run bad = run(Map.of("VIGIL_HEALTH_PORT", "eighty"), "--all");
    assertThat(bad.exit()).isEqualTo(78);
    assertThat(bad.err())
        .contains("vigil.http.port = \"eighty\"")
        .contains("environment variable VIGIL_HEALTH_PORT")
        .contains("is not a whole number");
    assertThat(bad.out()).isEmpty();
  }

  @Test
  void unknownDaemonsExit78WithTheKnownOnes() throws Exception {
    Run bad = run(Map.of(), "--daemons", "NOPE");
    assertThat(bad.exit()).isEqualTo(78);
    assertThat(bad.err())
        .contains("unknown daemon 'NOPE' (known: DAEMON_WATCHDOG, DIAGNOSIS, EVENT_ROUTER, HEALTH_SERVER, OTLP_RECEIVER, SANDBOX_HEALTH, SIGNATURE_STORE, TELEMETRY_POLLER)");
    assertThat(stateDir).as("nothing is written for a node that cannot run").isEmptyDirectory();
  }

  @Test
  void usageErrorsExit2AndStatusWithoutANodeExits3() throws Exception {
    assertThat(run(Map.of(), "--bogus").exit()).isEqualTo(2);
    assertThat(run(Map.of(), "--status", "--stop").exit()).isEqualTo(2);
    Run json = run(Map.of(), "--json");
    assertThat(json.exit()).isEqualTo(2);
    assertThat(json.err()).contains("--json goes with --status");
    Run none = clientNoPort(Map.of(), "--status", "--url", "http://127.0.0.1:9");
    assertThat(none.exit()).isEqualTo(3);
    assertThat(none.err()).contains("vigil is not running: nothing answers at 127.0.0.1:9");
  }

  @Test
  void profilesListsTheRoleProfilesWithTheirDaemons() throws Exception {
    Run text = run(Map.of(), "profiles");
    assertThat(text.exit()).as(text.err()).isZero();
    assertThat(text.out())
        .contains("coordinator  ")
        .contains("standalone   the embedded default")
        .contains("worker       ")
        .contains("always HEALTH_SERVER, DAEMON_WATCHDOG, EVENT_ROUTER");
    Run json = run(Map.of(), "profiles", "--json");
    assertThat(json.exit()).isZero();
    assertThat(JSON.readTree(json.out()).path("profiles").findValuesAsText("name"))
        .containsExactly("coordinator", "standalone", "worker");
  }

  @Test
  void validateSaysOkForTheDefaultProfile() throws Exception {
    Run ok = run(Map.of(), "validate");
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out())
        .isEqualTo(
            "configuration ok: profile standalone, daemons OTLP_RECEIVER, TELEMETRY_POLLER,"
                + " DIAGNOSIS, SANDBOX_HEALTH + built-ins HEALTH_SERVER, DAEMON_WATCHDOG, EVENT_ROUTER\n");
    assertThat(run(Map.of(), "validate", "--profile", "worker").out())
        .startsWith("configuration ok: profile worker,");
  }

  @Test
  void validateRejectsAnUnknownDaemonWith78AndTheKnownOnes(@TempDir Path dir) throws Exception {
    Path profile = Files.writeString(dir.resolve("mine.conf"), "vigil.profile.daemons = [NOPE]\n");
    Run bad = run(Map.of(), "validate", "--profile-file", profile.toString());
    assertThat(bad.exit()).isEqualTo(78);
    assertThat(bad.out()).isEmpty();
    assertThat(bad.err())
        .contains("unknown daemon 'NOPE' (known: DAEMON_WATCHDOG, DIAGNOSIS, EVENT_ROUTER, HEALTH_SERVER, OTLP_RECEIVER, SANDBOX_HEALTH, SIGNATURE_STORE, TELEMETRY_POLLER)");
  }

  @Test
  void validateShowConfigRedactsSecrets(@TempDir Path dir) throws Exception {
    Path user =
        Files.writeString(
            dir.resolve("user.conf"),
            """
            vigil.daemons.FLAKY {
              class = "dev.vigil.launcher.plugins.CrashOnRequestDaemon"
              settings { trigger-file = "/tmp/never", api-token = "abc" }
            }
            """);
    Run shown =
        run(Map.of(), "validate", "--show-config", "--config", user.toString(), "--classpath", PLUGINS);
    assertThat(shown.exit()).as(shown.err()).isZero();
    assertThat(shown.out())
        .startsWith("vigil {")
        .contains("api-token=\"<redacted>\"")
        .contains("state-dir=\"" + stateDir + "\"")
        .doesNotContain("abc");
    assertThat(shown.err()).contains("configuration ok: profile standalone");
  }

  @Test
  void aCrashingPluginIsRestartedWithBackoffSeenByStatusAndStoppedBeforeItsDependency(
      @TempDir Path dir) throws Exception {
    Path trigger = dir.resolve("crash-now");
    Path profile =
        Files.writeString(
            dir.resolve("flaky.conf"),
            """
            # flaky: a test profile with a plug-in daemon that crashes on request
            vigil.profile.daemons = [FLAKY]
            vigil.daemons.FLAKY {
              class = "dev.vigil.launcher.plugins.CrashOnRequestDaemon"
              category = test-plugins
              depends-on = [HEALTH_SERVER]
              restart-delay = 1h
              settings { trigger-file = "%s" }
            }
            """
                .formatted(trigger));
    Process node =
        startNode(
            Map.of("VIGIL_LOG_LEVEL", "INFO"),
            "--all", "--profile-file", profile.toString(), "--classpath", PLUGINS);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(clientNoPort(Map.of(), "--status").exit()).isZero());

    Files.writeString(trigger, "");
    await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(trigger));
    Run status = clientNoPort(Map.of(), "--status", "--json");
    assertThat(status.exit()).as("FLAKY is not RUNNING").isEqualTo(1);
    JsonNode flaky = daemon(JSON.readTree(status.out()), "FLAKY");
    assertThat(flaky.path("state").asText()).isEqualTo("BACKOFF");
    assertThat(flaky.path("category").asText()).isEqualTo("test-plugins");
    assertThat(flaky.path("restarts").asInt()).as("the restart is counted once scheduled").isEqualTo(1);
    assertThat(flaky.path("last_error").toString()).contains("crash requested through");
    assertThat(flaky.path("next_restart_at").asText()).isNotEmpty();
    assertThat(flaky.path("depends_on").toString()).contains("HEALTH_SERVER");

    Run denied = clientNoPort(Map.of("VIGIL_TOKEN", "wrong"), "restart", "flaky");
    assertThat(denied.exit()).isEqualTo(1);
    assertThat(denied.err()).contains("not authorised");
    Run restarted = clientNoPort(Map.of(), "restart", "flaky");
    assertThat(restarted.exit()).as(restarted.err()).isZero();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(clientNoPort(Map.of(), "--status").exit()).isZero());
    JsonNode again = daemon(JSON.readTree(clientNoPort(Map.of(), "--status", "--json").out()), "FLAKY");
    assertThat(again.path("state").asText()).isEqualTo("RUNNING");
    assertThat(again.path("restarts").asInt()).isPositive();

    node.destroy(); // SIGTERM
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).as(log()).isZero();
    String log = log();
    assertThat(log).contains("FLAKY stopped").contains("HEALTH_SERVER stopped");
    assertThat(log.indexOf("FLAKY stopped"))
        .as("a daemon stops before what it depends on")
        .isLessThan(log.indexOf("HEALTH_SERVER stopped"));
  }

  @Test
  void aPluginThatCannotBeLoadedExits78NamingItsBlock(@TempDir Path dir) throws Exception {
    Path profile =
        Files.writeString(
            dir.resolve("broken.conf"),
            "vigil.daemons.GHOST.class = \"com.acme.Ghost\"\nvigil.profile.daemons = [GHOST]\n");
    Run bad = run(Map.of(), "--all", "--profile-file", profile.toString(), "--classpath", PLUGINS);
    assertThat(bad.exit()).isEqualTo(78);
    assertThat(bad.err())
        .contains("vigil.daemons.GHOST.class = \"com.acme.Ghost\" (from " + profile + ": 1): class not found");
  }

  @Test
  void clientsGivenTheNodesConfigFileFindItsStateDirectory(@TempDir Path dir) throws Exception {
    Path elsewhere = dir.resolve("state");
    Path config =
        Files.writeString(dir.resolve("node.conf"), "vigil.state-dir = \"" + elsewhere + "\"\n");
    ProcessBuilder pb = vigil(Map.of(), "--all", "--config", config.toString());
    pb.environment().remove("VIGIL_STATE_DIR");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve("node.log").toFile());
    Process node = pb.start();
    nodes.add(node);
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.isRegularFile(elsewhere.resolve("node.json")));

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ProcessBuilder client = vigil(Map.of(), "--status", "--config", config.toString());
              client.environment().remove("VIGIL_STATE_DIR");
              client.environment().remove("VIGIL_HEALTH_PORT");
              Run status = finish(client.start());
              assertThat(status.exit()).as(status.err()).isZero();
              assertThat(status.out()).contains("HEALTH_SERVER: RUNNING");
            });
  }

  @Test
  void withJsonLogsEveryLogLineIsOneJsonObjectCarryingTheDaemonsName() throws Exception {
    Process node = startNode(Map.of("VIGIL_LOG_FORMAT", "json"), "--all");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(clientNoPort(Map.of(), "--status").exit()).isZero());
    node.destroy();
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();

    List<JsonNode> lines = new ArrayList<>();
    for (String line : log().lines().toList()) {
      if (!line.startsWith("vigil")) { // the node's own lines on stdout, merged into this file
        lines.add(JSON.readTree(line));
      }
    }
    assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l.path("level").asText()).isNotEmpty());
    assertThat(lines)
        .filteredOn(l -> l.path("loggerName").asText().equals("dev.vigil.lifecycle"))
        .isNotEmpty()
        .allSatisfy(l -> assertThat(l.path("mdc").path("daemon").asText()).isNotEmpty())
        .anySatisfy(l -> assertThat(l.path("mdc").path("daemon").asText()).isEqualTo("HEALTH_SERVER"));
  }

  @Test
  void anUnknownLogFormatExits78() throws Exception {
    Run bad = run(Map.of("VIGIL_LOG_FORMAT", "xml"), "--all");
    assertThat(bad.exit()).isEqualTo(78);
    assertThat(bad.err()).contains("VIGIL_LOG_FORMAT = \"xml\" (from the environment) must be text or json");
  }

  private static JsonNode daemon(JsonNode doc, String name) {
    for (JsonNode d : doc.path("daemons")) {
      if (d.path("name").asText().equals(name)) {
        return d;
      }
    }
    throw new AssertionError(name + " not in " + doc);
  }
}
