package dev.vigil.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil diagnose} through {@link Cli#run}, with in-memory streams and real sockets. */
class DiagnoseCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  ServerSocket listener;
  int freePort;
  final Map<String, String> env = new HashMap<>();

  record Run(int exit, String out, String err) {
    JsonNode json() throws IOException {
      return JSON.readTree(out);
    }
  }

  @BeforeEach
  void sockets() throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      freePort = s.getLocalPort();
    }
    env.put("VIGIL_PROFILE_DIR", dir.resolve("profiles").toString());
  }

  @AfterEach
  void close() throws IOException {
    listener.close();
  }

  private Run vigil(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cli.run(args, new PrintWriter(out), new PrintWriter(err), env, dir);
    return new Run(exit, out.toString(), err.toString());
  }

  private Path probes(String text) throws IOException {
    Path file = dir.resolve("probes.conf");
    Files.writeString(file, text);
    return file;
  }

  private String twoProbes(String severityOfDown) {
    return """
        probes = [
          { id = "api.tcp", kind = tcp, port = %d, severity = required, remediation = "start the API" }
          { id = "mlflow.tcp", kind = tcp, port = %d, severity = %s, remediation = "run make mlflow" }
        ]
        symptoms = [
          { id = "no-mlflow-traces", title = "No MLflow traces",
            checks = [{ probe = "mlflow.tcp", cause = "MLflow is not running" }] }
        ]
        """.formatted(listener.getLocalPort(), freePort, severityOfDown);
  }

  @Test
  void jsonIsOneDocumentWithEveryProbeAndSymptom() throws Exception {
    Path file = probes(twoProbes("optional"));
    Run run = vigil("diagnose", "--probes", file.toString(), "--json");
    assertThat(run.exit()).as(run.err()).isZero(); // an optional probe down only degrades
    JsonNode doc = run.json();
    assertThat(doc.path("status").asText()).isEqualTo("degraded");
    assertThat(doc.path("probes")).hasSize(2);
    JsonNode down = doc.path("probes").get(1);
    for (String field : new String[] {"id", "kind", "status", "severity", "latency_ms", "category", "detail",
        "remediation", "checked_at"}) {
      assertThat(down.has(field)).as(field).isTrue();
    }
    assertThat(down.path("status").asText()).isEqualTo("unhealthy");
    assertThat(down.path("category").asText()).isEqualTo("connection_error");
    JsonNode symptom = doc.path("symptoms").get(0);
    assertThat(symptom.path("id").asText()).isEqualTo("no-mlflow-traces");
    assertThat(symptom.path("cause").asText()).isEqualTo("MLflow is not running");
    assertThat(symptom.path("fix").asText()).isEqualTo("run make mlflow");
  }

  @Test
  void aRequiredProbeUnhealthyExitsOneAndTheTextNamesCauseAndFix() throws Exception {
    Path file = probes(twoProbes("required"));
    Run run = vigil("diagnose", "--probes", file.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out())
        .contains("probes: unhealthy")
        .contains("healthy   api.tcp")
        .contains("unhealthy mlflow.tcp")
        .contains("[connection_error] connection refused: 127.0.0.1:" + freePort)
        .contains("fix: run make mlflow")
        .contains("cause: MLflow is not running");
  }

  @Test
  void aSymptomNarrowsTheRunAndAnUnknownOneIsAUsageError() throws Exception {
    Path file = probes(twoProbes("optional"));
    Run one = vigil("diagnose", "--probes", file.toString(), "--symptom", "no-mlflow-traces", "--json");
    assertThat(one.json().path("probes")).hasSize(1);
    assertThat(one.json().path("probes").get(0).path("id").asText()).isEqualTo("mlflow.tcp");
    Run unknown = vigil("diagnose", "--probes", file.toString(), "--symptom", "tests-failing");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("no symptom 'tests-failing'; known: no-mlflow-traces");
    assertThat(unknown.out()).isEmpty();
  }

  @Test
  void badProbeConfigurationExits78NamingProbeKeyAndValue() throws Exception {
    Path file = probes("probes = [{ id = \"api.tcp\", kind = tcp, port = 99999 }]");
    Run run = vigil("diagnose", "--probes", file.toString());
    assertThat(run.exit()).isEqualTo(78);
    assertThat(run.err()).contains("bad probe configuration", "probe 'api.tcp'.port: port = 99999 must be 1..65535");
    assertThat(vigil("diagnose", "--bogus").exit()).isEqualTo(2);
  }

  @Test
  void withoutOptionsItRunsTheProbesTheProfileConfigures() throws Exception {
    Path profiles = Files.createDirectories(dir.resolve("profiles/probes"));
    Files.copy(Path.of("../profiles/probes/local.conf"), profiles.resolve("local.conf"));
    Files.writeString(profiles.resolve("../standalone.conf"),
        "vigil.profile { daemons = [] }\nvigil.daemons.SANDBOX_HEALTH { include \"probes/local.conf\" }\n");
    env.put("VIGIL_HEALTH_PORT", String.valueOf(freePort));
    env.put("VIGIL_STATE_DIR", dir.resolve("state").toString());
    int otlpPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      otlpPort = s.getLocalPort();
    }
    env.put("OTLP_HTTP_PORT", String.valueOf(otlpPort)); // the port probe follows the receiver's port
    Run run = vigil("diagnose", "--json");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.json().path("probes")).extracting(p -> p.path("id").asText())
        .containsExactly("disk.state-dir", "disk.working-dir", "ports.otlp");
    assertThat(run.json().path("probes").get(2).path("detail").asText()).isEqualTo("port " + otlpPort + " is free");
    assertThat(run.json().path("probes").get(0).path("status").asText()).isEqualTo("healthy");
  }

  @Test
  void withUrlItShowsTheRunningDaemonsResultsWithHistory() throws Exception {
    String details = """
        {"status": "unhealthy",
         "probes": [{"id": "api.health", "kind": "http", "status": "unhealthy", "severity": "required", "latency_ms": 3,
                     "category": "connection_error", "detail": "connection refused: 127.0.0.1:8000",
                     "remediation": "Start the API", "checked_at": "2026-01-01T00:01:00Z", "last_success": "2026-01-01T00:00:00Z",
                     "history": [{"at": "2026-01-01T00:00:00Z", "status": "healthy", "category": null, "latency_ms": 2},
                                 {"at": "2026-01-01T00:01:00Z", "status": "unhealthy", "category": "connection_error", "latency_ms": 3}]}],
         "symptoms": [{"id": "ui-stale-data", "title": "UI showing stale data", "status": "unhealthy",
                       "cause": "The API server is down", "fix": "Start the API", "probe": "api.health", "manual": "",
                       "probes": ["api.health"]}]}
        """;
    String status = "{\"node\": {}, \"daemons\": [{\"name\": \"SANDBOX_HEALTH\", \"state\": \"RUNNING\","
        + " \"health\": {\"status\": \"degraded\", \"message\": \"unhealthy: api.health\", \"details\": " + details + "}}]}";
    HttpServer node = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    node.createContext("/status", exchange -> {
      byte[] body = status.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    node.start();
    try {
      String url = "http://127.0.0.1:" + node.getAddress().getPort();
      Run text = vigil("diagnose", "--url", url);
      assertThat(text.exit()).isEqualTo(1);
      assertThat(text.out()).contains("unhealthy api.health")
          .contains("history (oldest first): healthy, unhealthy; last success 2026-01-01T00:00:00Z")
          .contains("cause: The API server is down");
      Run json = vigil("--url", url, "diagnose", "--json", "--symptom", "ui-stale-data");
      assertThat(json.json().path("probes").get(0).path("history")).hasSize(2);
      assertThat(json.json().path("symptoms")).hasSize(1);
    } finally {
      node.stop(0);
    }
    Run gone = vigil("diagnose", "--url", "http://127.0.0.1:" + freePort);
    assertThat(gone.exit()).isEqualTo(3);
  }
}
