package dev.vigil.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.core.HealthStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped example profiles/probes/sandbox-runtime.conf against a fake runtime (a local server
 * answering as the runtime's API, WebSocket endpoint and MLflow server do): all healthy at first,
 * then each of the eight symptoms staged in turn, and the decision tree must name its cause.
 */
class SandboxRuntimeExampleTest {
  static final Path EXAMPLE = Path.of("../../profiles/probes/sandbox-runtime.conf");

  @TempDir Path dir;
  Fixtures.Http api;
  Fixtures.Http mlflow;
  Fixtures.WebSocketServer ws;
  final Map<String, String> env = new HashMap<>();
  final Map<String, Object> overrides = new HashMap<>();

  @BeforeEach
  void runtime() throws IOException {
    api = new Fixtures.Http();
    mlflow = new Fixtures.Http();
    ws = new Fixtures.WebSocketServer("/api/v1/ws/execution");
    api.route("/health", Fixtures.Reply.json(200, "{\"ok\": true, \"version\": \"0.9.1\"}"));
    api.route("/ready", Fixtures.Reply.json(200, "{\"ready\": true, \"planner_configured\": true, \"planner\": \"ready\","
        + " \"database\": \"disabled\", \"database_required\": false, \"sandbox_provider\": \"daytona\"}"));
    api.routes.put("/api/v1/runtime/status", () -> Fixtures.Reply.json(200, status(Instant.now().minusSeconds(120))));
    api.route("/api/v1/runtime/tests/daytona", Fixtures.Reply.json(200, "{\"kind\": \"daytona\", \"ok\": true,"
        + " \"preflight_ok\": true, \"output_preview\": \"Daytona connectivity verified. Found 1 sandboxes (limited).\"}"));
    api.route("/api/v1/runtime/volume/file", Fixtures.Reply.json(200, "{\"provider\": \"daytona\","
        + " \"path\": \"/meta/vigil-canary\", \"mime\": \"text/plain\", \"size\": 2, \"content\": \"ok\", \"truncated\": false}"));
    api.route("/openapi.json", Fixtures.Reply.json(200, openapi(true)));
    mlflow.route("/health", new Fixtures.Reply(200, "OK", java.time.Duration.ZERO));
    mlflow.route("/api/2.0/mlflow/experiments/get-by-name",
        Fixtures.Reply.json(200, "{\"experiment\": {\"experiment_id\": \"1\", \"name\": \"fleet-rlm\"}}"));
    env.putAll(Map.of(
        "DAYTONA_API_KEY", "dtn_test_key_0123456789", "DAYTONA_API_URL", "https://app.daytona.io/api",
        "DAYTONA_TARGET", "eu", "DSPY_LM_MODEL", "openai/gpt-4.1-mini", "DSPY_LLM_API_KEY", "sk-test-abcdef",
        "PATH", System.getenv("PATH")));
    overrides.put("vigil.sandbox-runtime.api-url", api.url(""));
    overrides.put("vigil.sandbox-runtime.api-port", api.port());
    overrides.put("vigil.sandbox-runtime.ws-url", ws.url().replace("/api/v1/ws/execution", ""));
    overrides.put("vigil.sandbox-runtime.mlflow-url", mlflow.url(""));
    overrides.put("vigil.sandbox-runtime.mlflow-port", mlflow.port());
    overrides.put("vigil.sandbox-runtime.smoke-argv", List.of("sh", "-c",
        "echo '{\"persisted_state_value\": 5, \"finalization_mode\": \"SUBMIT\", \"termination_phase\": \"completed\","
            + " \"error_category\": null}'"));
    overrides.put("vigil.sandbox-runtime.diagnose-argv", List.of("sh", "-c", "echo 'All checks passed.'"));
  }

  @AfterEach
  void close() throws IOException {
    api.close();
    mlflow.close();
    ws.close();
  }

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

  private Diagnosis diagnose(Optional<String> symptom) throws InterruptedException {
    Config config = ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.defaultReference()).resolve();
    return SandboxHealthModule.create(config, env, dir, Optional.of(EXAMPLE.toAbsolutePath())).diagnose(symptom);
  }

  private Diagnosis.SymptomLine verdict(String symptom) throws InterruptedException {
    Diagnosis d = diagnose(Optional.of(symptom));
    assertThat(d.symptoms()).hasSize(1);
    return d.symptoms().getFirst();
  }

  @Test
  void theExampleDeclaresTheEightSymptomsOfTheRunbook() {
    Config config = ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.defaultReference()).resolve();
    SandboxHealthModule module = SandboxHealthModule.create(config, env, dir, Optional.of(EXAMPLE.toAbsolutePath()));
    assertThat(module.symptomIds()).containsExactly("sandbox-wont-start", "no-websocket-response",
        "escalation-not-triggering", "budget-exhausted", "volume-data-missing", "ui-stale-data", "no-mlflow-traces",
        "tests-failing");
    assertThat(module.probeIds()).hasSize(20);
  }

  @Test
  void aHealthyRuntimeIsHealthyThroughout() throws Exception {
    Diagnosis d = diagnose(Optional.empty());
    assertThat(d.probes()).allSatisfy(p ->
        assertThat(p.status()).as(p.id() + ": " + p.detail()).isEqualTo(HealthStatus.HEALTHY));
    assertThat(d.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(d.symptoms()).allSatisfy(s -> assertThat(s.status()).isEqualTo(HealthStatus.HEALTHY));
    assertThat(d.toJson().toString()).doesNotContain("dtn_test_key_0123456789", "sk-test-abcdef");
  }

  @Test
  void sandboxWontStartBecauseTheKeyIsRejected() throws Exception {
    api.route("/api/v1/runtime/tests/daytona", Fixtures.Reply.json(200, "{\"kind\": \"daytona\", \"ok\": false,"
        + " \"preflight_ok\": true, \"error\": \"401 Unauthorized for key ***\"}"));
    var v = verdict("sandbox-wont-start");
    assertThat(v.probe()).isEqualTo("daytona.api");
    assertThat(v.cause()).startsWith("The live Daytona test fails: an expired or revoked key");
    assertThat(v.fix()).startsWith("Check DAYTONA_API_KEY (keys expire)");
  }

  @Test
  void sandboxWontStartBecauseOfTheLegacyVariable() throws Exception {
    env.remove("DAYTONA_API_URL");
    env.put("DAYTONA_API_BASE_URL", "https://app.daytona.io/api");
    var v = verdict("sandbox-wont-start");
    assertThat(v.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(v.probe()).isEqualTo("env.daytona");
    assertThat(v.fix()).contains("rename DAYTONA_API_BASE_URL to DAYTONA_API_URL");
  }

  @Test
  void noWebSocketResponseBecauseTheRouteIsMissing() throws Exception {
    ws.close();
    ws = new Fixtures.WebSocketServer("/api/v1/ws/other"); // the execution route is not registered
    overrides.put("vigil.sandbox-runtime.ws-url", "ws://127.0.0.1:" + ws.socket.getLocalPort());
    var v = verdict("no-websocket-response");
    assertThat(v.probe()).isEqualTo("ws.execution");
    assertThat(v.cause()).isEqualTo("/api/v1/ws/execution is not registered, or another route shadows it");
  }

  @Test
  void escalationNotTriggeringBecauseOfTheRollbackToggle() throws Exception {
    env.put("FLEET_RLM_USE_ESCALATING_RUNTIME", "false");
    var v = verdict("escalation-not-triggering");
    assertThat(v.probe()).isEqualTo("env.escalation");
    assertThat(v.cause()).startsWith("FLEET_RLM_USE_ESCALATING_RUNTIME=false");
  }

  @Test
  void budgetExhaustionCannotBeProbedSoTheTreeSaysWhatToReadByHand() throws Exception {
    var v = verdict("budget-exhausted");
    assertThat(v.probe()).isNull();
    assertThat(v.fix()).startsWith("check by hand: No counter is exported").contains("max_llm_calls");
  }

  @Test
  void volumeDataMissingBecauseTheCanaryIsGone() throws Exception {
    api.route("/api/v1/runtime/volume/file", Fixtures.Reply.json(404, "{\"detail\": \"no such file: /meta/vigil-canary\"}"));
    var v = verdict("volume-data-missing");
    assertThat(v.probe()).isEqualTo("volume.canary");
    assertThat(v.cause()).startsWith("The canary file on the volume is gone");
  }

  @Test
  void uiStaleDataBecauseOfOpenApiDrift() throws Exception {
    api.route("/openapi.json", Fixtures.Reply.json(200, openapi(false)));
    var v = verdict("ui-stale-data");
    assertThat(v.probe()).isEqualTo("api.openapi");
    assertThat(v.fix()).isEqualTo("Run make api-check, then make api-sync, and rebuild the frontend");
  }

  @Test
  void uiStaleDataBecauseTheCachedConnectionTestIsOld() throws Exception {
    api.routes.put("/api/v1/runtime/status", () -> Fixtures.Reply.json(200, status(Instant.now().minusSeconds(3600))));
    var v = verdict("ui-stale-data");
    assertThat(v.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(v.probe()).isEqualTo("runtime.daytona-test");
    assertThat(v.cause()).startsWith("The status the UI shows comes from a cached connection test that is old");
  }

  @Test
  void noMlflowTracesBecauseTheServerIsDown() throws Exception {
    mlflow.close();
    var v = verdict("no-mlflow-traces");
    assertThat(v.probe()).isEqualTo("mlflow.tcp");
    assertThat(v.cause()).isEqualTo("Nothing listens on the MLflow port: the server is not running");
    assertThat(v.fix()).startsWith("Start MLflow: make mlflow");
  }

  @Test
  void noMlflowTracesBecauseTracingIsOff() throws Exception {
    env.put("MLFLOW_ENABLED", "false");
    Diagnosis d = diagnose(Optional.of("no-mlflow-traces"));
    var v = d.symptoms().getFirst();
    assertThat(v.probe()).isEqualTo("env.mlflow");
    // the MLflow probes behind it were not run
    assertThat(d.probes()).filteredOn(p -> p.id().equals("mlflow.tcp")).singleElement()
        .satisfies(p -> assertThat(p.detail()).isEqualTo("skipped: env.mlflow unhealthy"));
  }

  @Test
  void testsFailingBecauseAnotherProcessHoldsTheApiPort() throws Exception {
    int port = api.port();
    api.close();
    try (ServerSocket squatter = new ServerSocket()) { // not the API: it accepts and never answers
      squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      Diagnosis d = diagnose(Optional.of("tests-failing"));
      var v = d.symptoms().getFirst();
      assertThat(v.probe()).isEqualTo("ports.api");
      assertThat(v.cause()).isEqualTo("Another process holds the API port the tests start the server on");
      assertThat(d.requiredUnhealthy()).isTrue();
    }
  }
}
