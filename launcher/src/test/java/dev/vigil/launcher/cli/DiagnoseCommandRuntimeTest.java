package dev.vigil.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil diagnose --probes profiles/probes/sandbox-runtime.conf --json} through {@link
 * Cli#run}, against a fake runtime on loopback: the runtime's API (health, ready, status, the
 * Daytona test, the volume file, OpenAPI), its WebSocket endpoint and an MLflow server, answering
 * as {@code shared/reference/sandbox-runtime.md} describes. First all healthy, then each of the
 * eight symptoms of the runbook staged in turn: the JSON must name the symptom's cause and fix,
 * and the exit code must be 1 exactly when a required probe is unhealthy.
 *
 * <p>One set of servers serves every test (their routes are reset before each); a staged outage
 * points the configuration at a port nothing (or something else) listens on, so no server has to
 * be stopped and started again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiagnoseCommandRuntimeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EXAMPLE = Path.of("../profiles/probes/sandbox-runtime.conf").toAbsolutePath();
  private static final String DAYTONA_KEY = "dtn_test_key_0123456789";
  private static final String LM_KEY = "sk-test-abcdef";
  private static final List<String> EIGHT = List.of("sandbox-wont-start", "no-websocket-response",
      "escalation-not-triggering", "budget-exhausted", "volume-data-missing", "ui-stale-data", "no-mlflow-traces",
      "tests-failing");

  @TempDir Path dir;
  FakeHttp api;
  FakeHttp mlflow;
  FakeWebSocket ws;
  final Map<String, String> env = new HashMap<>();
  final Map<String, Object> runtime = new LinkedHashMap<>();

  record Run(int exit, String out, String err) {
    JsonNode json() throws IOException {
      return JSON.readTree(out);
    }

    JsonNode symptom(String id) throws IOException {
      for (JsonNode s : json().path("symptoms")) {
        if (s.path("id").asText().equals(id)) {
          return s;
        }
      }
      throw new AssertionError("no symptom " + id + " in " + out);
    }

    JsonNode probe(String id) throws IOException {
      for (JsonNode p : json().path("probes")) {
        if (p.path("id").asText().equals(id)) {
          return p;
        }
      }
      throw new AssertionError("no probe " + id + " in " + out);
    }
  }

  @BeforeAll
  void startTheFakeRuntime() throws IOException {
    api = new FakeHttp();
    mlflow = new FakeHttp();
    ws = new FakeWebSocket();
  }

  @AfterAll
  void stopTheFakeRuntime() throws IOException {
    api.close();
    mlflow.close();
    ws.close();
  }

  /** A healthy runtime: every route answers as a working fleet-rlm and MLflow do. */
  @BeforeEach
  void healthy() {
    api.routes.clear();
    api.json("/health", 200, "{\"ok\": true, \"version\": \"0.9.1\"}");
    api.json("/ready", 200, "{\"ready\": true, \"planner_configured\": true, \"planner\": \"ready\","
        + " \"database\": \"disabled\", \"database_required\": false, \"sandbox_provider\": \"daytona\"}");
    // checked_at is computed per request: the cached test is two minutes old whenever it is read
    api.routes.put("/api/v1/runtime/status", () -> new Reply(200, status(Instant.now().minusSeconds(120))));
    api.json("/api/v1/runtime/tests/daytona", 200, "{\"kind\": \"daytona\", \"ok\": true, \"preflight_ok\": true,"
        + " \"output_preview\": \"Daytona connectivity verified. Found 1 sandboxes (limited).\"}");
    api.json("/api/v1/runtime/volume/file", 200, "{\"provider\": \"daytona\", \"path\": \"/meta/vigil-canary\","
        + " \"mime\": \"text/plain\", \"size\": 2, \"content\": \"ok\", \"truncated\": false}");
    api.json("/openapi.json", 200, openapi(true));
    mlflow.routes.clear();
    mlflow.routes.put("/health", () -> new Reply(200, "OK"));
    mlflow.json("/api/2.0/mlflow/experiments/get-by-name", 200,
        "{\"experiment\": {\"experiment_id\": \"1\", \"name\": \"fleet-rlm\"}}");
    ws.path = "/api/v1/ws/execution";

    env.clear();
    env.put("DAYTONA_API_KEY", DAYTONA_KEY);
    env.put("DAYTONA_API_URL", "https://app.daytona.io/api");
    env.put("DAYTONA_TARGET", "eu");
    env.put("DSPY_LM_MODEL", "openai/gpt-4.1-mini");
    env.put("DSPY_LLM_API_KEY", LM_KEY);
    env.put("PATH", System.getenv("PATH"));
    env.put("VIGIL_PROFILE_DIR", dir.resolve("profiles").toString()); // no profile: --probes stands alone

    runtime.clear();
    runtime.put("api-url", api.url());
    runtime.put("api-port", api.port());
    runtime.put("ws-url", "ws://127.0.0.1:" + ws.port());
    runtime.put("mlflow-url", mlflow.url());
    runtime.put("mlflow-port", mlflow.port());
    runtime.put("smoke-argv", List.of("sh", "-c", "echo '{\"persisted_state_value\": 5, \"finalization_mode\":"
        + " \"SUBMIT\", \"termination_phase\": \"completed\", \"error_category\": null}'"));
    runtime.put("diagnose-argv", List.of("sh", "-c", "echo 'All checks passed.'"));
    runtime.put("workdir", dir.toString());
  }

  /** {@code vigil diagnose --probes <example> --config <where the fake runtime is> --json}. */
  private Run diagnose() throws IOException {
    Path config = dir.resolve("runtime.conf");
    Files.writeString(config, ConfigFactory.parseMap(Map.of("vigil", Map.of("sandbox-runtime", runtime)))
        .root().render(ConfigRenderOptions.concise()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cli.run(new String[] {"diagnose", "--probes", EXAMPLE.toString(), "--config", config.toString(),
        "--json"}, new PrintWriter(out), new PrintWriter(err), env, dir);
    Run run = new Run(exit, out.toString(), err.toString());
    assertThat(run.out()).as("stdout is one JSON document, never a secret; stderr: %s", run.err())
        .startsWith("{").doesNotContain(DAYTONA_KEY, LM_KEY);
    assertThat(run.err()).doesNotContain(DAYTONA_KEY, LM_KEY);
    assertThat(run.json().path("symptoms")).extracting(s -> s.path("id").asText()).containsExactlyElementsOf(EIGHT);
    return run;
  }

  /** The symptoms other than {@code except} that the staging did not touch are healthy. */
  private static void othersHealthy(Run run, String... except) throws IOException {
    List<String> sick = new ArrayList<>();
    for (JsonNode s : run.json().path("symptoms")) {
      if (!List.of(except).contains(s.path("id").asText()) && !s.path("status").asText().equals("healthy")) {
        sick.add(s.path("id").asText() + " " + s.path("status").asText() + ": " + s.path("cause").asText());
      }
    }
    assertThat(sick).as("symptoms the staging should not touch").isEmpty();
  }

  @Test
  void aHealthyRuntimeIsHealthyThroughoutAndExitsZero() throws Exception {
    Run run = diagnose();
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.json().path("status").asText()).isEqualTo("healthy");
    assertThat(run.json().path("probes")).hasSize(20).allSatisfy(p ->
        assertThat(p.path("status").asText()).as(p.path("id").asText() + ": " + p.path("detail").asText())
            .isEqualTo("healthy"));
    for (JsonNode s : run.json().path("symptoms")) {
      assertThat(s.path("status").asText()).as(s.path("id").asText()).isEqualTo("healthy");
      assertThat(s.path("cause").asText()).isEqualTo("no probe points to a cause");
    }
  }

  @Test
  void sandboxWontStartBecauseTheLiveTestRejectsTheKey() throws Exception {
    api.json("/api/v1/runtime/tests/daytona", 200, "{\"kind\": \"daytona\", \"ok\": false, \"preflight_ok\": true,"
        + " \"error\": \"401 Unauthorized\"}");
    Run run = diagnose();
    JsonNode s = run.symptom("sandbox-wont-start");
    assertThat(s.path("status").asText()).isEqualTo("unhealthy");
    assertThat(s.path("probe").asText()).isEqualTo("daytona.api");
    assertThat(s.path("cause").asText()).startsWith("The live Daytona test fails: an expired or revoked key");
    assertThat(s.path("fix").asText()).startsWith("Check DAYTONA_API_KEY (keys expire)");
    assertThat(run.exit()).as("daytona.api is required").isEqualTo(1);
    assertThat(run.json().path("status").asText()).isEqualTo("unhealthy");
    // the volume cannot be read without Daytona either: the same failing probe, its own cause
    assertThat(run.symptom("volume-data-missing").path("cause").asText())
        .isEqualTo("Daytona is not reachable, so the volume cannot be read");
    othersHealthy(run, "sandbox-wont-start", "volume-data-missing");
  }

  @Test
  void sandboxWontStartBecauseOfTheLegacyVariableName() throws Exception {
    env.remove("DAYTONA_API_URL");
    env.put("DAYTONA_API_BASE_URL", "https://app.daytona.io/api");
    Run run = diagnose();
    JsonNode s = run.symptom("sandbox-wont-start");
    assertThat(s.path("status").asText()).isEqualTo("unhealthy");
    assertThat(s.path("probe").asText()).isEqualTo("env.daytona");
    assertThat(s.path("cause").asText())
        .isEqualTo("The Daytona credentials are missing or use the legacy variable name");
    assertThat(s.path("fix").asText()).contains("rename DAYTONA_API_BASE_URL to DAYTONA_API_URL");
    assertThat(run.probe("env.daytona").path("category").asText()).isEqualTo("config_error");
    assertThat(run.probe("daytona.api").path("detail").asText()).isEqualTo("skipped: env.daytona unhealthy");
    assertThat(run.exit()).isEqualTo(1);
  }

  @Test
  void noWebSocketResponseBecauseTheExecutionRouteIsNotRegistered() throws Exception {
    ws.path = "/api/v1/ws/chat"; // the server answers 404 to /api/v1/ws/execution
    Run run = diagnose();
    JsonNode s = run.symptom("no-websocket-response");
    assertThat(s.path("status").asText()).isEqualTo("unhealthy");
    assertThat(s.path("probe").asText()).isEqualTo("ws.execution");
    assertThat(s.path("cause").asText()).isEqualTo("/api/v1/ws/execution is not registered, or another route shadows it");
    assertThat(run.probe("ws.execution").path("category").asText()).isEqualTo("unexpected_status");
    assertThat(run.exit()).as("ws.execution is required").isEqualTo(1);
    othersHealthy(run, "no-websocket-response");
  }

  @Test
  void escalationNotTriggeringBecauseOfTheRollbackToggle() throws Exception {
    env.put("FLEET_RLM_USE_ESCALATING_RUNTIME", "false");
    Run run = diagnose();
    JsonNode s = run.symptom("escalation-not-triggering");
    assertThat(s.path("status").asText()).isEqualTo("unhealthy");
    assertThat(s.path("probe").asText()).isEqualTo("env.escalation");
    assertThat(s.path("cause").asText()).startsWith("FLEET_RLM_USE_ESCALATING_RUNTIME=false");
    assertThat(s.path("fix").asText()).startsWith("Unset FLEET_RLM_USE_ESCALATING_RUNTIME");
    assertThat(run.exit()).as("env.escalation is optional: it degrades, it does not fail").isZero();
    assertThat(run.json().path("status").asText()).isEqualTo("degraded");
    othersHealthy(run, "escalation-not-triggering");
  }

  @Test
  void budgetExhaustionHasNoProbeSoTheAnswerSaysWhatToReadByHand() throws Exception {
    // nothing to stage: the runtime exports no budget counter; the tree must say so, not guess
    Run run = diagnose();
    JsonNode s = run.symptom("budget-exhausted");
    assertThat(s.path("probes")).isEmpty();
    assertThat(s.path("probe").isNull()).isTrue();
    assertThat(s.path("fix").asText()).startsWith("check by hand: No counter is exported")
        .contains("LLM call limit exceeded", "max_llm_calls");
    assertThat(run.exit()).isZero();
  }

  @Test
  void volumeDataMissingBecauseTheCanaryIsGone() throws Exception {
    api.json("/api/v1/runtime/volume/file", 404, "{\"detail\": \"no such file: /meta/vigil-canary\"}");
    Run run = diagnose();
    JsonNode s = run.symptom("volume-data-missing");
    assertThat(s.path("status").asText()).isEqualTo("unhealthy");
    assertThat(s.path("probe").asText()).isEqualTo("volume.canary");
    assertThat(s.path("cause").asText()).startsWith("The canary file on the volume is gone");
    assertThat(s.path("fix").asText()).startsWith("Write the canary file once");
    assertThat(run.exit()).as("volume.canary is optional").isZero();
    othersHealthy(run, "volume-data-missing");
  }

  @Test
  void volumeDataMissingBecauseTheProviderFails() throws Exception {
    api.json("/api/v1/runtime/volume/file", 502, "{\"detail\": \"volume provider error\"}");
    Run run = diagnose();
    JsonNode s = run.symptom("volume-data-missing");
    assertThat(s.path("probe").asText()).isEqualTo("volume.canary");
    assertThat(s.path("cause").asText()).startsWith("The volume cannot be read (502/504");
  }

  @Test
  void uiStaleDataBecauseOfOpenApiDrift() throws Exception {
    api.json("/openapi.json", 200, openapi(false));
    Run run = diagnose();
    JsonNode s = run.symptom("ui-stale-data");
    assertThat(s.path("status").asText()).isEqualTo("unhealthy");
    assertThat(s.path("probe").asText()).isEqualTo("api.openapi");
    assertThat(s.path("cause").asText()).contains("OpenAPI drift");
    assertThat(s.path("fix").asText()).isEqualTo("Run make api-check, then make api-sync, and rebuild the frontend");
    assertThat(run.exit()).as("api.openapi is optional").isZero();
    othersHealthy(run, "ui-stale-data");
  }

  @Test
  void uiStaleDataBecauseTheCachedConnectionTestIsOld() throws Exception {
    api.routes.put("/api/v1/runtime/status", () -> new Reply(200, status(Instant.now().minusSeconds(3600))));
    Run run = diagnose();
    JsonNode s = run.symptom("ui-stale-data");
    assertThat(s.path("status").asText()).isEqualTo("degraded");
    assertThat(s.path("probe").asText()).isEqualTo("runtime.daytona-test");
    assertThat(s.path("cause").asText())
        .startsWith("The status the UI shows comes from a cached connection test that is old");
    assertThat(run.probe("runtime.daytona-test").path("category").asText()).isEqualTo("stale");
    // the same stale test is why the sandbox may not start: that symptom names it with its own fix
    assertThat(run.symptom("sandbox-wont-start").path("fix").asText())
        .isEqualTo("Run the Daytona connection test again (POST /api/v1/runtime/tests/daytona)");
    assertThat(run.exit()).as("stale is degraded, not unhealthy").isZero();
    assertThat(run.json().path("status").asText()).isEqualTo("degraded");
    othersHealthy(run, "ui-stale-data", "sandbox-wont-start");
  }

  @Test
  void noMlflowTracesBecauseTheServerIsNotRunning() throws Exception {
    int nothing = freePort();
    runtime.put("mlflow-url", "http://127.0.0.1:" + nothing);
    runtime.put("mlflow-port", nothing);
    Run run = diagnose();
    JsonNode s = run.symptom("no-mlflow-traces");
    assertThat(s.path("status").asText()).isEqualTo("unhealthy");
    assertThat(s.path("probe").asText()).isEqualTo("mlflow.tcp");
    assertThat(s.path("cause").asText()).isEqualTo("Nothing listens on the MLflow port: the server is not running");
    assertThat(s.path("fix").asText()).startsWith("Start MLflow: make mlflow");
    assertThat(run.probe("mlflow.http").path("detail").asText()).isEqualTo("skipped: mlflow.tcp unhealthy");
    assertThat(run.exit()).as("MLflow is optional").isZero();
    othersHealthy(run, "no-mlflow-traces");
  }

  @Test
  void noMlflowTracesBecauseTracingIsTurnedOff() throws Exception {
    env.put("MLFLOW_ENABLED", "false");
    Run run = diagnose();
    JsonNode s = run.symptom("no-mlflow-traces");
    assertThat(s.path("probe").asText()).isEqualTo("env.mlflow");
    assertThat(s.path("cause").asText()).isEqualTo("MLFLOW_ENABLED=false turns tracing off");
    assertThat(run.probe("mlflow.tcp").path("status").asText()).isEqualTo("unknown");
    assertThat(run.exit()).isZero();
  }

  @Test
  void noMlflowTracesBecauseTheExperimentIsMissing() throws Exception {
    mlflow.json("/api/2.0/mlflow/experiments/get-by-name", 404,
        "{\"error_code\": \"RESOURCE_DOES_NOT_EXIST\", \"message\": \"Could not find experiment with name 'fleet-rlm'\"}");
    Run run = diagnose();
    JsonNode s = run.symptom("no-mlflow-traces");
    assertThat(s.path("probe").asText()).isEqualTo("mlflow.experiment");
    assertThat(s.path("cause").asText()).isEqualTo("The experiment fleet-rlm does not exist");
    assertThat(run.exit()).isZero();
  }

  @Test
  void testsFailingBecauseAnotherProcessHoldsTheApiPort() throws Exception {
    // something that is not the API holds its port: it accepts connections and closes them unanswered
    try (Squatter squatter = new Squatter()) {
      runtime.put("api-url", "http://127.0.0.1:" + squatter.port());
      runtime.put("api-port", squatter.port());
      Run run = diagnose();
      JsonNode s = run.symptom("tests-failing");
      assertThat(s.path("status").asText()).isEqualTo("unhealthy");
      assertThat(s.path("probe").asText()).isEqualTo("ports.api");
      assertThat(s.path("cause").asText()).isEqualTo("Another process holds the API port the tests start the server on");
      assertThat(run.probe("ports.api").path("category").asText()).isEqualTo("port_conflict");
      assertThat(run.exit()).isEqualTo(1);
    }
  }

  @Test
  void testsFailingBecauseTheLmVariablesAreMissing() throws Exception {
    env.remove("DSPY_LLM_API_KEY");
    Run run = diagnose();
    JsonNode s = run.symptom("tests-failing");
    assertThat(s.path("probe").asText()).isEqualTo("env.lm");
    assertThat(s.path("cause").asText()).isEqualTo("The LM variables the tests need are missing");
    assertThat(run.exit()).as("env.lm is required").isEqualTo(1);
  }

  // ---- the fake runtime

  static String status(Instant daytonaCheckedAt) {
    return """
        {"app_env": "local", "write_enabled": true, "ready": true, "sandbox_provider": "daytona",
         "llm": {"model_set": true, "api_key_set": true, "planner_configured": true, "startup_status": "ready"},
         "mlflow": {"enabled": true, "auto_start_enabled": true, "startup_status": "ready"},
         "daytona": {"api_key_set": true, "api_url_set": true, "target_set": true, "configured": true, "guidance": []},
         "tests": {"lm": null,
                   "daytona": {"kind": "daytona", "ok": true, "preflight_ok": true, "checked_at": "%s", "latency_ms": 812}},
         "guidance": []}
        """.formatted(daytonaCheckedAt.toString().replace("Z", "+00:00"));
  }

  static String openapi(boolean withVolumeRoutes) {
    return "{\"openapi\": \"3.1.0\", \"paths\": {\"/api/v1/runtime/status\": {}"
        + (withVolumeRoutes ? ", \"/api/v1/runtime/volume/tree\": {}, \"/api/v1/runtime/volume/file\": {}" : "") + "}}";
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  record Reply(int status, String body) {}

  /** A JDK HTTP server on 127.0.0.1 whose routes answer what the test sets; others 404. */
  static final class FakeHttp implements AutoCloseable {
    final HttpServer server;
    final Map<String, Supplier<Reply>> routes = new ConcurrentHashMap<>();

    FakeHttp() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/", exchange -> {
        Supplier<Reply> route = routes.get(exchange.getRequestURI().getPath());
        Reply reply = route == null ? new Reply(404, "{\"detail\": \"Not Found\"}") : route.get();
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.start();
    }

    void json(String path, int status, String body) {
      routes.put(path, () -> new Reply(status, body));
    }

    int port() {
      return server.getAddress().getPort();
    }

    String url() {
      return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /**
   * A WebSocket endpoint that completes the RFC 6455 handshake (101 with the accept key) on {@link
   * #path} and answers 404 elsewhere, as the runtime does for a route it has not registered. It
   * speaks no frames: the probe only needs the handshake.
   */
  static final class FakeWebSocket implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    final ServerSocket socket;
    volatile String path;

    FakeWebSocket() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual().start(() -> {
        while (!socket.isClosed()) {
          try {
            Socket client = socket.accept();
            Thread.ofVirtual().start(() -> serve(client));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    int port() {
      return socket.getLocalPort();
    }

    private void serve(Socket client) {
      try (client) {
        BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
        String target = in.readLine().split(" ")[1];
        String key = null;
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
          if (line.toLowerCase().startsWith("sec-websocket-key:")) {
            key = line.substring(line.indexOf(':') + 1).strip();
          }
        }
        String response;
        if (!target.equals(path) || key == null) {
          response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        } else {
          String accept = Base64.getEncoder().encodeToString(
              MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1)));
          response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n";
        }
        OutputStream out = client.getOutputStream();
        out.write(response.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        while (client.getInputStream().read() >= 0) {
          // hold the connection until the client goes away, as an endpoint would
        }
      } catch (Exception e) {
        // the client went away
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A process that is not the API on the API's port: accepts a connection and closes it unanswered. */
  static final class Squatter implements AutoCloseable {
    final ServerSocket socket;

    Squatter() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual().start(() -> {
        while (!socket.isClosed()) {
          try (Socket client = socket.accept()) {
            client.setSoLinger(true, 0); // reset, as a non-HTTP service dropping the request would
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
