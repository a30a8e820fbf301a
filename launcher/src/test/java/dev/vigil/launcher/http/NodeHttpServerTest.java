package dev.vigil.launcher.http;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.core.DaemonContext;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonState;
import dev.vigil.core.DaemonType;
import dev.vigil.core.IdleDaemon;
import dev.vigil.core.RestartPolicy;
import dev.vigil.core.RestartType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP side against a real manager and a real Jetty on an ephemeral port, through the JDK's
 * HTTP client. ALPHA is critical, BETA depends on it and restarts after 10 ms, CRASHER is critical
 * and TEMPORARY, so one crash leaves it FAILED.
 */
class NodeHttpServerTest {
  static final String TOKEN = "test-token-0123456789";
  static final DaemonType ALPHA = DaemonType.of("ALPHA");
  static final DaemonType BETA = DaemonType.of("BETA");
  static final DaemonType CRASHER = DaemonType.of("CRASHER");
  static final NodeInfo NODE =
      new NodeInfo("vigil", "test", 4242, Instant.parse("2024-01-01T00:00:00Z"), "1.2.3", null);

  private final ObjectMapper json = new ObjectMapper();
  private final Map<DaemonType, DaemonContext> contexts = new ConcurrentHashMap<>();
  private final Map<DaemonType, AtomicInteger> starts = new ConcurrentHashMap<>();
  private final CountDownLatch shutdownRequested = new CountDownLatch(1);
  private HttpClient http;
  private DaemonManager manager;
  private NodeHttpServer server;

  @BeforeEach
  void startNode() throws Exception {
    DaemonRegistry registry =
        DaemonRegistry.of(
            spec(ALPHA).critical(true).build(),
            spec(BETA)
                .dependsOn(ALPHA)
                .restartPolicy(
                    RestartPolicy.defaults()
                        .withBackoff(Duration.ofMillis(10), Duration.ofMillis(10), 1.0)
                        .withJitter(0))
                .build(),
            spec(CRASHER)
                .critical(true)
                .restartPolicy(RestartPolicy.of(RestartType.TEMPORARY))
                .build());
    manager = DaemonManager.builder(registry).name("http-test").build();
    manager.start(List.of(ALPHA, BETA, CRASHER)).get(10, SECONDS);
    server =
        NodeHttpServer.start("127.0.0.1", 0, manager, NODE, TOKEN, shutdownRequested::countDown);
    http = HttpClient.newHttpClient();
  }

  @AfterEach
  void stopNode() throws Exception {
    if (http != null) {
      http.close();
    }
    if (server != null) {
      server.close();
    }
    manager.shutdown(Duration.ofSeconds(10)).get(20, SECONDS);
  }

  // ------------------------------------------------------------------------------ probes

  @Test
  void healthIsOkUntilACriticalDaemonFails() throws Exception {
    HttpResponse<String> ok = get("/health");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(ok.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(tree(ok).path("status").asText()).isEqualTo("ok");
    assertThat(tree(ok).path("daemons").size()).isZero();

    crash(CRASHER, "disk on fire");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(get("/health").statusCode()).isEqualTo(503));
    JsonNode body = tree(get("/health"));
    assertThat(body.path("status").asText()).isEqualTo("fail");
    assertThat(fieldNames(body.path("daemons"))).containsExactly("CRASHER");
    assertThat(body.path("daemons").path("CRASHER").asText())
        .contains("CRASHER is FAILED")
        .contains("disk on fire");
  }

  @Test
  void readyFailsWhenACriticalDaemonIsDown() throws Exception {
    assertThat(get("/ready").statusCode()).isEqualTo(200);

    crash(CRASHER, "gone");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(get("/ready").statusCode()).isEqualTo(503));
    JsonNode body = tree(get("/ready"));
    assertThat(body.path("status").asText()).isEqualTo("fail");
    assertThat(body.path("daemons").path("CRASHER").asText()).contains("FAILED").contains("gone");
  }

  @Test
  void readyFailsWhileShuttingDown() throws Exception {
    var report = manager.shutdown(Duration.ofSeconds(10));

    HttpResponse<String> response = get("/ready");
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(tree(response).path("reasons").toString()).contains("shutting down");
    report.get(20, SECONDS);
  }

  // ------------------------------------------------------------------------------ status

  @Test
  void statusShowsOneSnapshotOfEveryDaemon() throws Exception {
    crash(BETA, "flaky");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                manager.info(BETA).state() == DaemonState.RUNNING
                    && manager.info(BETA).restartCount() == 1);

    HttpResponse<String> response = get("/status");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode doc = tree(response);

    JsonNode node = doc.path("node");
    assertThat(node.path("name").asText()).isEqualTo("vigil");
    assertThat(node.path("profile").asText()).isEqualTo("test");
    assertThat(node.path("pid").asLong()).isEqualTo(4242);
    assertThat(node.path("started_at").asText()).isEqualTo("2024-01-01T00:00:00Z");
    assertThat(node.path("version").asText()).isEqualTo("1.2.3");
    assertThat(node.path("http_url").asText()).isEqualTo(server.uri().toString());
    assertThat(node.path("uptime_seconds").asLong()).isPositive();

    List<String> names = new ArrayList<>();
    doc.path("daemons").forEach(d -> names.add(d.path("name").asText()));
    assertThat(names)
        .containsExactly("ALPHA", "BETA", "CRASHER", "DAEMON_WATCHDOG", "EVENT_ROUTER");

    JsonNode beta = daemon(doc, "BETA");
    assertThat(beta.path("category").asText()).isEqualTo("general");
    assertThat(beta.path("state").asText()).isEqualTo("RUNNING");
    assertThat(beta.path("ready").asBoolean()).isTrue();
    assertThat(beta.path("critical").asBoolean()).isFalse();
    assertThat(beta.path("restarts").asInt()).isEqualTo(1);
    assertThat(beta.path("last_error").path("type").asText())
        .isEqualTo("java.lang.IllegalStateException");
    assertThat(beta.path("last_error").path("message").asText()).isEqualTo("flaky");
    assertThat(Instant.parse(beta.path("last_error").path("at").asText())).isNotNull();
    assertThat(beta.path("depends_on").toString()).isEqualTo("[\"ALPHA\"]");
    assertThat(beta.path("next_restart_at").isNull()).isTrue();
    assertThat(beta.path("uptime_seconds").isIntegralNumber()).isTrue();
    assertThat(beta.path("health").path("status").asText())
        .isIn("healthy", "degraded", "unhealthy", "unknown");
    assertThat(beta.path("health").has("message")).isTrue();
    assertThat(beta.path("health").path("details").isObject()).isTrue();

    JsonNode alpha = daemon(doc, "ALPHA");
    assertThat(alpha.path("last_error").isNull()).isTrue();
    assertThat(alpha.path("depends_on").size()).isZero();
    assertThat(alpha.path("critical").asBoolean()).isTrue();
    assertThat(daemon(doc, "EVENT_ROUTER").path("category").asText()).isEqualTo("supervisor");

    // the CLI reads the same document back
    StatusDocument parsed = StatusDocument.parse(response.body());
    assertThat(parsed.toJson().toString()).isEqualTo(response.body());
    assertThat(parsed.daemons().get(1).lastError().message()).isEqualTo("flaky");
  }

  @Test
  void statusShowsAFailedDaemon() throws Exception {
    crash(CRASHER, "boom");
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(CRASHER) == DaemonState.FAILED);

    JsonNode crasher = daemon(tree(get("/status")), "CRASHER");
    assertThat(crasher.path("state").asText()).isEqualTo("FAILED");
    assertThat(crasher.path("ready").asBoolean()).isFalse();
    assertThat(crasher.path("last_error").path("message").asText()).isEqualTo("boom");
  }

  // ------------------------------------------------------------------------------ metrics

  @Test
  void metricsAreThePrometheusTextFormatOfOneSnapshot() throws Exception {
    crash(CRASHER, "boom");
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(CRASHER) == DaemonState.FAILED);

    HttpResponse<String> response = get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    Map<String, Double> samples = PrometheusText.parse(response.body());

    assertThat(samples)
        .containsEntry("vigil_daemon_state{daemon=\"ALPHA\",state=\"running\"}", 1.0)
        .containsEntry("vigil_daemon_state{daemon=\"ALPHA\",state=\"failed\"}", 0.0)
        .containsEntry("vigil_daemon_state{daemon=\"CRASHER\",state=\"failed\"}", 1.0)
        .containsEntry("vigil_daemon_state{daemon=\"CRASHER\",state=\"running\"}", 0.0)
        .containsEntry("vigil_daemon_ready{daemon=\"ALPHA\"}", 1.0)
        .containsEntry("vigil_daemon_ready{daemon=\"CRASHER\"}", 0.0)
        .containsEntry("vigil_daemon_health_status{daemon=\"CRASHER\",status=\"unknown\"}", 1.0)
        .containsEntry("vigil_daemon_health_status{daemon=\"CRASHER\",status=\"healthy\"}", 0.0)
        .containsEntry("vigil_daemon_restarts_total{daemon=\"ALPHA\"}", 0.0)
        .containsEntry("vigil_daemon_backoff_seconds{daemon=\"ALPHA\"}", 0.0)
        .containsEntry("vigil_build_info{version=\"1.2.3\"}", 1.0)
        .containsKey("vigil_daemon_last_start_timestamp_seconds{daemon=\"ALPHA\"}")
        .containsKey("vigil_daemon_last_failure_timestamp_seconds{daemon=\"CRASHER\"}")
        .doesNotContainKey("vigil_daemon_last_failure_timestamp_seconds{daemon=\"ALPHA\"}")
        .containsKey("jvm_threads_current")
        .containsKey("process_cpu_seconds_total");
    // six states per daemon, one of them set
    assertThat(
            samples.keySet().stream()
                .filter(k -> k.startsWith("vigil_daemon_state{daemon=\"BETA\"")))
        .hasSize(6);
    assertThat(samples.keySet()).noneMatch(k -> k.equals("up") || k.startsWith("up{"));
    assertThat(response.body()).contains("# TYPE vigil_daemon_restarts_total counter");
  }

  @Test
  void metricsAreOpenMetricsWhenAskedFor() throws Exception {
    HttpResponse<String> response =
        send(
            request("/metrics")
                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                .GET());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/openmetrics-text");
    assertThat(response.body()).endsWith("# EOF\n");
    assertThat(response.body())
        .contains("vigil_daemon_state{daemon=\"ALPHA\",state=\"running\"} 1")
        .contains("vigil_build_info{version=\"1.2.3\"} 1");
  }

  // ------------------------------------------------------------------------------ control

  @Test
  void controlRequiresTheBearerToken() throws Exception {
    HttpResponse<String> none = send(request("/api/daemons/ALPHA/restart").POST(noBody()));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer");
    assertThat(tree(none).path("error").asText()).isEqualTo("unauthorized");

    HttpResponse<String> wrong =
        send(
            request("/api/daemons/ALPHA/restart")
                .header("Authorization", "Bearer " + TOKEN + "x")
                .POST(noBody()));
    assertThat(wrong.statusCode()).isEqualTo(401);

    HttpResponse<String> shutdown = send(request("/api/shutdown").POST(noBody()));
    assertThat(shutdown.statusCode()).isEqualTo(401);
    assertThat(shutdownRequested.getCount()).isEqualTo(1);
    assertThat(starts.get(ALPHA)).hasValue(1);
  }

  @Test
  void restartIsAcceptedAndTheDaemonRestarts() throws Exception {
    HttpResponse<String> response = post("/api/daemons/alpha/restart");

    assertThat(response.statusCode()).isEqualTo(202);
    JsonNode body = tree(response);
    assertThat(body.path("accepted").asBoolean()).isTrue();
    assertThat(body.path("daemon").asText()).isEqualTo("ALPHA");
    assertThat(body.path("action").asText()).isEqualTo("restart");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(starts.get(ALPHA)).hasValue(2);
              assertThat(stateOf(ALPHA)).isEqualTo(DaemonState.RUNNING);
            });
  }

  @Test
  void stopAndStartAreAccepted() throws Exception {
    assertThat(post("/api/daemons/Beta/stop").statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(BETA) == DaemonState.STOPPED);

    assertThat(post("/api/daemons/beta/start").statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(BETA) == DaemonState.RUNNING);
    assertThat(starts.get(BETA)).hasValue(2);
  }

  @Test
  void aFailedDaemonMustBeResetBeforeItStarts() throws Exception {
    crash(CRASHER, "boom");
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(CRASHER) == DaemonState.FAILED);

    HttpResponse<String> start = post("/api/daemons/CRASHER/start");
    assertThat(start.statusCode()).isEqualTo(409);
    assertThat(tree(start).path("error").asText()).isEqualTo("conflict");
    assertThat(tree(start).path("message").asText()).contains("FAILED").contains("reset it first");

    assertThat(post("/api/daemons/CRASHER/reset").statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(CRASHER) == DaemonState.STOPPED);
    assertThat(post("/api/daemons/CRASHER/start").statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(CRASHER) == DaemonState.RUNNING);
  }

  @Test
  void resetOfARunningDaemonIsAcceptedAndChangesNothing() throws Exception {
    assertThat(post("/api/daemons/ALPHA/reset").statusCode()).isEqualTo(202);
    assertThat(stateOf(ALPHA)).isEqualTo(DaemonState.RUNNING);
  }

  @Test
  void unknownDaemonIs404AndMalformedRequestsAre400() throws Exception {
    HttpResponse<String> unknown = post("/api/daemons/NOPE/start");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(tree(unknown).path("error").asText()).isEqualTo("not_found");
    assertThat(tree(unknown).path("message").asText()).contains("NOPE").contains("ALPHA");

    assertThat(post("/api/daemons/ALPHA/explode").statusCode()).isEqualTo(400);
    assertThat(post("/api/daemons/ALPHA").statusCode()).isEqualTo(400);
    assertThat(post("/api/daemons/ALPHA/start/now").statusCode()).isEqualTo(400);
    HttpResponse<String> badName = post("/api/daemons/9lives/start");
    assertThat(badName.statusCode()).isEqualTo(400);
    assertThat(tree(badName).path("message").asText()).contains("UPPER_SNAKE");
  }

  @Test
  void errorsJettyAnswersItselfAreJsonToo() throws Exception {
    HttpResponse<String> response = post("/api/daemons/AL%2FPHA/start");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/json");
    assertThat(tree(response).path("error").asText()).isEqualTo("bad_request");
    assertThat(tree(response).path("message").asText()).isNotEmpty();
  }

  @Test
  void unknownPathIs404() throws Exception {
    HttpResponse<String> response = get("/nope");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(tree(response).path("error").asText()).isEqualTo("not_found");
  }

  @Test
  void wrongMethodIs405WithAllow() throws Exception {
    HttpResponse<String> get = get("/api/daemons/ALPHA/restart");
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(tree(get).path("error").asText()).isEqualTo("method_not_allowed");

    HttpResponse<String> post = post("/health");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void aBodyOver64KiBIs413() throws Exception {
    byte[] big = new byte[NodeHttpServer.MAX_BODY_BYTES + 1];
    HttpResponse<String> response =
        send(
            request("/api/daemons/ALPHA/restart")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(tree(response).path("error").asText()).isEqualTo("payload_too_large");
    assertThat(starts.get(ALPHA)).hasValue(1);

    // without a Content-Length (chunked), the limit holds while reading
    HttpResponse<String> chunked =
        send(
            request("/api/daemons/ALPHA/restart")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big))));
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(starts.get(ALPHA)).hasValue(1);

    byte[] small = new byte[1024];
    HttpResponse<String> fits =
        send(
            request("/api/daemons/ALPHA/reset")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(small)));
    assertThat(fits.statusCode()).isEqualTo(202);
  }

  @Test
  void shutdownRunsTheShutdownRequest() throws Exception {
    HttpResponse<String> response = post("/api/shutdown");

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(tree(response).path("accepted").asBoolean()).isTrue();
    assertThat(shutdownRequested.await(10, SECONDS)).isTrue();
  }

  // ------------------------------------------------------------------------------ helpers

  private DaemonSpec.Builder spec(DaemonType type) {
    starts.put(type, new AtomicInteger());
    return DaemonSpec.builder(
        type,
        () ->
            new IdleDaemon() {
              @Override
              protected void onStart(DaemonContext ctx) {
                contexts.put(type, ctx);
                starts.get(type).incrementAndGet();
              }
            });
  }

  private void crash(DaemonType type, String message) {
    contexts.get(type).fail(new IllegalStateException(message));
  }

  private DaemonState stateOf(DaemonType type) {
    return manager.info(type).state();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(request(path).GET());
  }

  private HttpResponse<String> post(String path) throws Exception {
    return send(request(path).header("Authorization", "Bearer " + TOKEN).POST(noBody()));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.BodyPublisher noBody() {
    return HttpRequest.BodyPublishers.noBody();
  }

  private JsonNode tree(HttpResponse<String> response) throws Exception {
    return json.readTree(response.body());
  }

  private static JsonNode daemon(JsonNode doc, String name) {
    for (JsonNode d : doc.path("daemons")) {
      if (d.path("name").asText().equals(name)) {
        return d;
      }
    }
    throw new AssertionError("no daemon " + name + " in " + doc);
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
