package dev.vigil.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.core.HealthStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every probe kind against real things on loopback, run once as vigil diagnose runs them. */
class ProbeKindsTest {
  @TempDir Path dir;

  private Diagnosis.ProbeLine run(String probe, Map<String, String> env) throws InterruptedException {
    Diagnosis d = Fixtures.module("probes = [" + probe + "]", env, dir).diagnose(Optional.empty());
    assertThat(d.probes()).hasSize(1);
    return d.probes().getFirst();
  }

  private Diagnosis.ProbeLine run(String probe) throws InterruptedException {
    return run(probe, Map.of());
  }

  // ---- http

  @Test
  void httpGoodAnswerPassesItsJsonAssertions() throws Exception {
    try (var server = new Fixtures.Http()) {
      server.route("/health", Fixtures.Reply.json(200, "{\"ok\": true, \"version\": \"1.2\"}"));
      var line = run("{ id = api.health, kind = http, url = \"" + server.url("/health") + "\","
          + " json = [{ path = ok, op = eq, value = true }, { path = version, op = exists }] }");
      assertThat(line.status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(line.detail()).contains("HTTP 200", "2 assertion(s) passed");
      assertThat(line.category()).isNull();
    }
  }

  @Test
  void httpFailedAssertionIsUnhealthyAndSaysWhatItFound() throws Exception {
    try (var server = new Fixtures.Http()) {
      server.route("/ready", Fixtures.Reply.json(200, "{\"ready\": false, \"planner\": \"missing\"}"));
      var line = run("{ id = api.ready, kind = http, url = \"" + server.url("/ready") + "\","
          + " json = [{ path = ready, op = eq, value = true }] }");
      assertThat(line.status()).isEqualTo(HealthStatus.UNHEALTHY);
      assertThat(line.category()).isEqualTo("assertion_failed");
      assertThat(line.detail()).isEqualTo("ready is false, expected eq true");
    }
  }

  @Test
  void http500IsUnexpectedStatusAnd401IsAnAuthError() throws Exception {
    try (var server = new Fixtures.Http()) {
      server.route("/boom", Fixtures.Reply.json(500, "{\"detail\":\"internal\"}"));
      server.route("/auth", Fixtures.Reply.json(401, "{\"detail\":\"bad token\"}"));
      var boom = run("{ id = boom, kind = http, url = \"" + server.url("/boom") + "\" }");
      assertThat(boom.status()).isEqualTo(HealthStatus.UNHEALTHY);
      assertThat(boom.category()).isEqualTo("unexpected_status");
      assertThat(boom.detail()).startsWith("HTTP 500 from ").contains("(expected [200])", "internal");
      var auth = run("{ id = auth, kind = http, url = \"" + server.url("/auth") + "\" }");
      assertThat(auth.category()).isEqualTo("auth_error");
    }
  }

  @Test
  void httpSlowAnswerTimesOutAndASlowButInTimeAnswerIsDegraded() throws Exception {
    try (var server = new Fixtures.Http()) {
      server.route("/slow", new Fixtures.Reply(200, "{}", Duration.ofMillis(700)));
      var timedOut = run("{ id = slow, kind = http, url = \"" + server.url("/slow") + "\", timeout = 200ms }");
      assertThat(timedOut.status()).isEqualTo(HealthStatus.UNHEALTHY);
      assertThat(timedOut.category()).isEqualTo("timeout");
      assertThat(timedOut.detail()).contains("no answer within 200ms");
      var degraded = run("{ id = slow, kind = http, url = \"" + server.url("/slow") + "\", timeout = 5s,"
          + " degraded-latency = 100ms }");
      assertThat(degraded.status()).isEqualTo(HealthStatus.DEGRADED);
      assertThat(degraded.category()).isEqualTo("slow");
      assertThat(degraded.latencyMs()).isGreaterThanOrEqualTo(700);
    }
  }

  @Test
  void httpStaleTimestampIsDegradedStale() throws Exception {
    try (var server = new Fixtures.Http()) {
      String old = Instant.now().minus(Duration.ofMinutes(40)).toString();
      String fresh = Instant.now().minus(Duration.ofMinutes(1)).toString().replace("Z", "+00:00");
      server.route("/old", Fixtures.Reply.json(200, "{\"tests\":{\"daytona\":{\"ok\":true,\"checked_at\":\"" + old + "\"}}}"));
      server.route("/new", Fixtures.Reply.json(200, "{\"tests\":{\"daytona\":{\"ok\":true,\"checked_at\":\"" + fresh + "\"}}}"));
      String asserts = " json = [{ path = tests.daytona.ok, op = eq, value = true },"
          + " { path = tests.daytona.checked_at, op = max-age, value = 15m }] }";
      var stale = run("{ id = status, kind = http, url = \"" + server.url("/old") + "\"," + asserts);
      assertThat(stale.status()).isEqualTo(HealthStatus.DEGRADED);
      assertThat(stale.category()).isEqualTo("stale");
      assertThat(stale.detail()).contains("tests.daytona.checked_at is 40m", "older than 15m");
      var ok = run("{ id = status, kind = http, url = \"" + server.url("/new") + "\"," + asserts);
      assertThat(ok.status()).isEqualTo(HealthStatus.HEALTHY);
    }
  }

  @Test
  void httpRefusedConnectionIsAConnectionError() throws Exception {
    int port = Fixtures.freePort();
    var line = run("{ id = gone, kind = http, url = \"http://127.0.0.1:" + port + "/health\" }");
    assertThat(line.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(line.category()).isEqualTo("connection_error");
    assertThat(line.detail()).isEqualTo("connection refused: 127.0.0.1:" + port);
  }

  @Test
  void httpTimeoutBoundsTheWholeAnswerNotEachRead() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      out.write("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      for (int i = 0; i < 500; i++) {
        out.write(' ');
        out.flush();
        Thread.sleep(20); // the server trickles: no single read waits long
      }
      return false;
    })) {
      var line = run("{ id = trickle, kind = http, url = \"" + server.url("/health") + "\", timeout = 300ms }");
      assertThat(line.status()).isEqualTo(HealthStatus.UNHEALTHY);
      assertThat(line.category()).isEqualTo("timeout");
      assertThat(line.detail()).isEqualTo("GET " + server.url("/health") + ": no answer within 300ms");
    }
  }

  @Test
  void httpRedirectIsNotFollowed() throws Exception {
    try (var server = new Fixtures.Http()) {
      server.route("/old", new Fixtures.Reply(302, "", Duration.ZERO));
      server.route("/new", Fixtures.Reply.json(200, "{}"));
      var line = run("{ id = moved, kind = http, url = \"" + server.url("/old") + "\" }");
      assertThat(line.category()).isEqualTo("unexpected_status");
      assertThat(line.detail()).startsWith("HTTP 302 from ");
      assertThat(server.hits("/new")).isZero();
    }
  }

  @Test
  void httpSendsItsMethodHeadersAndBody() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      out.write("HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{\"ok\":true}".getBytes(StandardCharsets.ISO_8859_1));
      return true;
    })) {
      var line = run("{ id = post, kind = http, method = post, url = \"" + server.url("/jobs") + "\", body = \"{}\","
          + " expect-status = [201], headers = [{ name = Content-Type, value = application/json }],"
          + " json = [{ path = ok, op = eq, value = true }] }");
      assertThat(line.status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(server.requests.getFirst()).startsWith("POST /jobs HTTP/1.1\r\n")
          .contains("\r\nContent-Type: application/json\r\n").endsWith("\r\n\r\n{}");
    }
  }

  @Test
  void httpsToAServerThatDoesNotSpeakTlsIsAConnectionError() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      return false;
    }, true)) {
      var line = run("{ id = tls, kind = http, url = \"https://127.0.0.1:" + server.port() + "/health\" }");
      assertThat(line.status()).isEqualTo(HealthStatus.UNHEALTHY);
      assertThat(line.category()).isEqualTo("connection_error");
      // the JDK's engine says SSLHandshakeException (a subclass of SSLException) under Jetty
      assertThat(line.detail()).startsWith("127.0.0.1:" + server.port() + ": javax.net.ssl.SSL")
          .contains("Exception: ");
    }
  }

  @Test
  void httpHeaderFromTheEnvironmentIsSentAndNeverShown() throws Exception {
    try (var server = new Fixtures.Http()) {
      server.route("/private", Fixtures.Reply.json(403, "{\"detail\":\"token sk-live-123456 rejected\"}"));
      var line = run("{ id = private, kind = http, url = \"" + server.url("/private") + "\","
          + " headers = [{ name = Authorization, env = RUNTIME_TOKEN, prefix = \"Bearer \" }] }",
          Map.of("RUNTIME_TOKEN", "sk-live-123456"));
      assertThat(server.lastAuthorization.get("/private")).isEqualTo("Bearer sk-live-123456");
      assertThat(line.category()).isEqualTo("auth_error");
      assertThat(line.detail()).contains("token *** rejected").doesNotContain("sk-live-123456");
    }
  }

  @Test
  void httpHeaderWhoseVariableIsMissingIsUnknownAndSendsNothing() throws Exception {
    try (var server = new Fixtures.Http()) {
      server.route("/private", Fixtures.Reply.json(200, "{}"));
      var line = run("{ id = private, kind = http, url = \"" + server.url("/private") + "\","
          + " headers = [{ name = Authorization, env = RUNTIME_TOKEN, prefix = \"Bearer \" }] }");
      assertThat(line.status()).isEqualTo(HealthStatus.UNKNOWN);
      assertThat(line.detail()).isEqualTo("header Authorization needs RUNTIME_TOKEN, which is not set");
      assertThat(server.hits("/private")).isZero();
    }
  }

  // ---- tcp and port-free

  @Test
  void tcpConnectsToAListenerAndIsRefusedByAFreePort() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var up = run("{ id = mlflow.tcp, kind = tcp, host = \"127.0.0.1\", port = " + listener.getLocalPort() + " }");
      assertThat(up.status()).isEqualTo(HealthStatus.HEALTHY);
    }
    int port = Fixtures.freePort();
    var down = run("{ id = mlflow.tcp, kind = tcp, port = " + port + " }");
    assertThat(down.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(down.category()).isEqualTo("connection_error");
  }

  @Test
  void portFreeSeesAListenerAsAConflictAndAFreePortAsFree() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = listener.getLocalPort();
      var held = run("{ id = ports.api, kind = port-free, port = " + port + ", expect-free = true }");
      assertThat(held.status()).isEqualTo(HealthStatus.UNHEALTHY);
      assertThat(held.category()).isEqualTo("port_conflict");
      assertThat(held.detail()).isEqualTo("port " + port + " is held by another process");
      var expectedHeld = run("{ id = ports.api, kind = port-free, port = " + port + ", expect-free = false }");
      assertThat(expectedHeld.status()).isEqualTo(HealthStatus.HEALTHY);
    }
    int free = Fixtures.freePort();
    assertThat(run("{ id = ports.api, kind = port-free, port = " + free + " }").status())
        .isEqualTo(HealthStatus.HEALTHY);
    var notListening = run("{ id = ports.api, kind = port-free, port = " + free + ", expect-free = false }");
    assertThat(notListening.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(notListening.detail()).isEqualTo("nothing listens on port " + free);
  }

  @Test
  void portHeldByTheServiceThatShouldHoldItPasses() throws Exception {
    try (var server = new Fixtures.Http()) {
      server.route("/health", Fixtures.Reply.json(200, "{\"status\":\"ok\"}"));
      var line = run("{ id = ports.node, kind = port-free, port = " + server.port() + ","
          + " or-served-at = \"" + server.url("/health") + "\" }");
      assertThat(line.status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(line.detail()).contains("is held by the service at", "(HTTP 200)");
    }
  }

  // ---- disk

  @Test
  void diskComparesFreeSpaceWithTheMinimumAndWarningLevels() throws Exception {
    long free = Files.getFileStore(dir).getUsableSpace();
    var ok = run("{ id = disk, kind = disk, path = \".\", min-free-bytes = 1 }");
    assertThat(ok.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(ok.detail()).contains("free", dir.toAbsolutePath().normalize().toString());
    var warn = run("{ id = disk, kind = disk, path = \".\", min-free-bytes = 1, warn-free-bytes = " + (free * 2) + " }");
    assertThat(warn.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(warn.category()).isEqualTo("disk_low");
    var low = run("{ id = disk, kind = disk, path = \".\", min-free-percent = 100 }");
    assertThat(low.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(low.detail()).contains("below the minimum");
  }

  @Test
  void diskUnderAPathNotCreatedYetMeasuresItsNearestParent() throws Exception {
    var line = run("{ id = disk, kind = disk, path = \"state/not/yet\", min-free-bytes = 1 }");
    assertThat(line.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(line.detail()).contains("not there yet; measured at " + dir.toAbsolutePath().normalize());
  }

  // ---- command

  @Test
  void commandThatSucceedsFailsOrPrintsJson() throws Exception {
    var ok = run("{ id = cmd, kind = command, argv = [\"sh\", \"-c\", \"echo fine\"] }");
    assertThat(ok.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(ok.detail()).isEqualTo("sh exited 0");
    var fails = run("{ id = cmd, kind = command, argv = [\"sh\", \"-c\", \"echo 'Error: quota exceeded' >&2; exit 3\"] }");
    assertThat(fails.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(fails.category()).isEqualTo("unexpected_exit");
    assertThat(fails.detail()).isEqualTo("sh exited 3: Error: quota exceeded");
    var accepted = run("{ id = cmd, kind = command, argv = [\"sh\", \"-c\", \"exit 3\"], ok-exit = [0, 3] }");
    assertThat(accepted.status()).isEqualTo(HealthStatus.HEALTHY);
  }

  @Test
  void commandJsonOutputIsAssertedAndItsErrorCategoryTaken() throws Exception {
    String good = "{\\\"persisted_state_value\\\": 5, \\\"termination_phase\\\": \\\"completed\\\", \\\"error_category\\\": null}";
    var ok = run("{ id = smoke, kind = command, argv = [\"sh\", \"-c\", \"echo '" + good.replace("\\\"", "\\\"") + "'\"],"
        + " json = [{ path = persisted_state_value, op = eq, value = 5 }], category-path = error_category }");
    assertThat(ok.status()).as(ok.detail()).isEqualTo(HealthStatus.HEALTHY);
    String bad = "{\\\"persisted_state_value\\\": 2, \\\"error_category\\\": \\\"sandbox_create_clone_error\\\"}";
    var failed = run("{ id = smoke, kind = command, argv = [\"sh\", \"-c\", \"echo '" + bad + "' >&2; exit 1\"],"
        + " json = [{ path = persisted_state_value, op = eq, value = 5 }], category-path = error_category }");
    assertThat(failed.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(failed.category()).isEqualTo("sandbox_create_clone_error");
  }

  @Test
  void commandThatHangsIsKilledWithItsChildren() throws Exception {
    Path pidFile = dir.resolve("child.pid");
    var line = run("{ id = hang, kind = command, timeout = 500ms, argv = [\"sh\", \"-c\","
        + " \"sleep 60 & echo $! > child.pid; wait\"] }");
    assertThat(line.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(line.category()).isEqualTo("timeout");
    assertThat(line.detail()).contains("did not finish within 500ms; killed it and its children");
    long child = Long.parseLong(Files.readString(pidFile).strip());
    await().atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
  }

  @Test
  void commandSeesOnlyItsAllowListAndItsOutputIsCapped() throws Exception {
    var line = run("{ id = env, kind = command, env-allowlist = [PATH, VISIBLE], max-output = 16,"
        + " argv = [\"sh\", \"-c\", \"test -z \\\"$HIDDEN\\\" && test \\\"$VISIBLE\\\" = yes && head -c 100000 /dev/zero\"] }",
        Map.of("PATH", System.getenv("PATH"), "VISIBLE", "yes", "HIDDEN", "no"));
    assertThat(line.status()).as(line.detail()).isEqualTo(HealthStatus.HEALTHY);
  }

  @Test
  void commandWhoseProgramIsMissingIsAConfigError() throws Exception {
    var line = run("{ id = missing, kind = command, argv = [\"/nonexistent/daytona\", \"version\"] }");
    assertThat(line.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(line.category()).isEqualTo("config_error");
    assertThat(line.detail()).startsWith("cannot run /nonexistent/daytona");
  }

  // ---- websocket

  @Test
  void webSocketHandshakeSucceedsIsRefusedOrFindsNothing() throws Exception {
    try (var ws = new Fixtures.WebSocketServer("/api/v1/ws/execution")) {
      var ok = run("{ id = ws, kind = websocket, url = \"" + ws.url() + "\", timeout = 3s }");
      assertThat(ok.status()).as(ok.detail()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(ws.handshakes.get()).isEqualTo(1);

      ws.requiredAuthorization = "Bearer right";
      var refused = run("{ id = ws, kind = websocket, url = \"" + ws.url() + "\", timeout = 3s,"
          + " headers = [{ name = Authorization, env = WS_TOKEN, prefix = \"Bearer \" }] }",
          Map.of("WS_TOKEN", "wrong-token"));
      assertThat(refused.status()).isEqualTo(HealthStatus.UNHEALTHY);
      assertThat(refused.category()).isEqualTo("auth_error");
      var authorised = run("{ id = ws, kind = websocket, url = \"" + ws.url() + "\", timeout = 3s,"
          + " headers = [{ name = Authorization, env = WS_TOKEN, prefix = \"Bearer \" }] }",
          Map.of("WS_TOKEN", "right"));
      assertThat(authorised.status()).isEqualTo(HealthStatus.HEALTHY);

      var shadowed = run("{ id = ws, kind = websocket, url = \"" + ws.url().replace("/execution", "/other") + "\" }");
      assertThat(shadowed.category()).isEqualTo("unexpected_status");
      assertThat(shadowed.detail()).contains("HTTP 404");
    }
    var down = run("{ id = ws, kind = websocket, url = \"ws://127.0.0.1:" + Fixtures.freePort() + "/x\" }");
    assertThat(down.category()).isEqualTo("connection_error");
  }

  // ---- env

  @Test
  void envReportsMissingForbiddenAndOptionalWithoutValues() throws Exception {
    var missing = run("{ id = env.daytona, kind = env, required = [DAYTONA_API_KEY, DAYTONA_API_URL],"
        + " optional = [DAYTONA_TARGET], forbidden = [DAYTONA_API_BASE_URL], secret = [DAYTONA_API_KEY] }",
        Map.of("DAYTONA_API_KEY", "dtn_secret_value", "DAYTONA_API_BASE_URL", "https://old.example"));
    assertThat(missing.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(missing.category()).isEqualTo("config_error");
    assertThat(missing.detail())
        .isEqualTo("required DAYTONA_API_URL is not set; optional DAYTONA_TARGET is not set;"
            + " DAYTONA_API_BASE_URL is set but must not be (from process)")
        .doesNotContain("dtn_secret_value");
    var degraded = run("{ id = env.daytona, kind = env, required = [DAYTONA_API_KEY],"
        + " forbidden = [DAYTONA_API_BASE_URL] }",
        Map.of("DAYTONA_API_KEY", "k", "DAYTONA_API_BASE_URL", "x"));
    assertThat(degraded.status()).isEqualTo(HealthStatus.DEGRADED);
  }

  @Test
  void envAcceptsAnAliasAndChecksExpectedValues() throws Exception {
    var alias = run("{ id = env.lm, kind = env, required = [DSPY_LM_MODEL, DSPY_LLM_API_KEY],"
        + " aliases { DSPY_LLM_API_KEY = [DSPY_LM_API_KEY] } }",
        Map.of("DSPY_LM_MODEL", "openai/gpt", "DSPY_LM_API_KEY", "sk-1234"));
    assertThat(alias.status()).isEqualTo(HealthStatus.HEALTHY);
    var off = run("{ id = env.mlflow, kind = env, expect = [{ name = MLFLOW_ENABLED, op = ne, value = \"false\" }] }",
        Map.of("MLFLOW_ENABLED", "false"));
    assertThat(off.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(off.detail()).isEqualTo("MLFLOW_ENABLED is \"false\", expected ne \"false\"");
  }

  @Test
  void envReadsDotEnvFilesWithTheStatedPrecedence() throws Exception {
    Files.writeString(dir.resolve(".env"), "# comment\nexport DAYTONA_API_URL=\"https://file.example\"\nAPP_ENV=local\n");
    Files.writeString(dir.resolve(".env.local"), "DAYTONA_API_KEY='from-local-file' # trailing\n");
    String probe = "{ id = env.daytona, kind = env, required = [DAYTONA_API_KEY, DAYTONA_API_URL],"
        + " env-files = [\".env\", \".env.local\"], precedence = %s,"
        + " expect = [{ name = DAYTONA_API_URL, op = eq, value = \"https://file.example\" }] }";
    Map<String, String> env = Map.of("DAYTONA_API_URL", "https://process.example");
    // process first: the process value wins, so the expectation on the file's value fails
    assertThat(run(probe.formatted("process-first"), env).status()).isEqualTo(HealthStatus.UNHEALTHY);
    // APP_ENV=local in .env makes the files win, as the runtime does
    var local = run(probe.formatted("file-first-when-local"), env);
    assertThat(local.status()).as(local.detail()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(run(probe.formatted("file-first"), env).status()).isEqualTo(HealthStatus.HEALTHY);
  }

  @Test
  void envWithAMissingDotEnvFileIsNotAFailure() throws Exception {
    var line = run("{ id = env.x, kind = env, required = [X], env-files = [\".env\"] }", Map.of("X", "1"));
    assertThat(line.status()).isEqualTo(HealthStatus.HEALTHY);
  }

  @Test
  void unreadableDotEnvFileMakesTheEnvProbeUnknown() throws IOException, InterruptedException {
    Files.createDirectory(dir.resolve(".env")); // exists, but cannot be read as a file
    var line = run("{ id = env.x, kind = env, required = [X], env-files = [\".env\"] }", Map.of("X", "1"));
    assertThat(line.status()).isEqualTo(HealthStatus.UNKNOWN);
    assertThat(line.detail()).startsWith("cannot read .env");
  }
}
