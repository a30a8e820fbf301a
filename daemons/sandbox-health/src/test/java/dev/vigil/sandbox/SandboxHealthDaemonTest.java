package dev.vigil.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.HealthStatus;
import dev.vigil.core.testkit.ManualScheduler;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The SANDBOX_HEALTH daemon under a real manager in virtual time, probing real servers. */
class SandboxHealthDaemonTest {
  private static final String TIMING =
      "probe-defaults { interval = 10s, jitter-fraction = 0 }, history-size = 100, health-interval = 15s, ";

  @TempDir Path dir;
  final ManualScheduler time = new ManualScheduler();
  DaemonManager manager;
  SandboxHealthModule module;
  final Fixtures.Http server;

  SandboxHealthDaemonTest() throws Exception {
    server = new Fixtures.Http();
  }

  @AfterEach
  void tearDown() {
    server.close();
    if (manager != null) {
      var done = manager.shutdown(Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        time.advance(Duration.ofSeconds(1));
        return done.isDone();
      });
    }
  }

  private void start(String block, Map<String, String> env) throws Exception {
    module = Fixtures.module(TIMING + block, env, dir);
    manager = DaemonManager.builder(DaemonRegistry.of(module.specs()))
        .scheduler(time)
        .clock(time.clock())
        .build();
    manager.start(SandboxHealthModule.SANDBOX_HEALTH).get(10, TimeUnit.SECONDS);
  }

  private int runs(String probe) {
    return module.book().state(probe).history().size();
  }

  private ProbeState state(String probe) {
    return module.book().state(probe);
  }

  /** Moves virtual time a second at a time until the probe has run once more. */
  private ProbeState runAgain(String probe) {
    int before = runs(probe);
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      time.advance(Duration.ofSeconds(1));
      return runs(probe) > before;
    });
    return state(probe);
  }

  private ProbeState firstRound(String probe) {
    await().atMost(Duration.ofSeconds(10)).until(() -> runs(probe) >= 1);
    return state(probe);
  }

  @Test
  void thresholdsDampFlappingInBothDirections() throws Exception {
    AtomicReference<Fixtures.Reply> reply = new AtomicReference<>(Fixtures.Reply.json(200, "{\"ok\":true}"));
    server.routes.put("/health", reply::get);
    start("probes = [{ id = api.health, kind = http, url = \"" + server.url("/health") + "\","
        + " failure-threshold = 2, success-threshold = 2 }]", Map.of());

    assertThat(firstRound("api.health").status()).isEqualTo(HealthStatus.HEALTHY);
    reply.set(Fixtures.Reply.json(500, "{}"));
    ProbeState once = runAgain("api.health");
    assertThat(once.status()).isEqualTo(HealthStatus.HEALTHY); // one failure is not enough
    assertThat(once.detail()).endsWith("(1 of 2 failures before unhealthy)");
    assertThat(runAgain("api.health").status()).isEqualTo(HealthStatus.UNHEALTHY);
    reply.set(Fixtures.Reply.json(200, "{\"ok\":true}"));
    ProbeState recovering = runAgain("api.health");
    assertThat(recovering.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(recovering.detail()).endsWith("(1 of 2 good runs before unhealthy is left)");
    assertThat(runAgain("api.health").status()).isEqualTo(HealthStatus.HEALTHY);

    assertThat(state("api.health").history()).extracting(ProbeState.Run::status).containsExactly(
        HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, HealthStatus.UNHEALTHY, HealthStatus.HEALTHY, HealthStatus.HEALTHY);
    assertThat(state("api.health").history()).extracting(r -> r.at().toString()).containsExactly(
        "2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z", "2026-01-01T00:00:20Z", "2026-01-01T00:00:30Z",
        "2026-01-01T00:00:40Z");
  }

  @Test
  void aProbeWhoseDependencyIsNotHealthyIsSkippedWithoutRunning() throws Exception {
    server.route("/mlflow/health", Fixtures.Reply.json(200, "OK"));
    start("probes = ["
        + "{ id = env.mlflow, kind = env, required = [MLFLOW_TRACKING_URI], failure-threshold = 1 }"
        + ", { id = mlflow.http, kind = http, url = \"" + server.url("/mlflow/health") + "\", depends-on = [env.mlflow] }]",
        Map.of());
    ProbeState skipped = firstRound("mlflow.http");
    assertThat(state("env.mlflow").status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(skipped.status()).isEqualTo(HealthStatus.UNKNOWN);
    assertThat(skipped.category()).isEqualTo("skipped");
    assertThat(skipped.detail()).isEqualTo("skipped: env.mlflow unhealthy");
    runAgain("mlflow.http");
    assertThat(server.hits("/mlflow/health")).isZero();
  }

  @Test
  void afterAnAuthFailureTheProbeWaitsUntilTheCredentialChanges() throws Exception {
    Files.writeString(dir.resolve(".env"), "RUNTIME_TOKEN=expired-token-1\n");
    server.routes.put("/api/v1/runtime/status", () -> "Bearer fresh-token-2".equals(server.lastAuthorization.get("/api/v1/runtime/status"))
        ? Fixtures.Reply.json(200, "{}") : Fixtures.Reply.json(401, "{\"detail\":\"Unauthorized\"}"));
    start("env-files = [\".env\"], probes = ["
        + "{ id = api.status, kind = http, url = \"" + server.url("/api/v1/runtime/status") + "\", failure-threshold = 1,"
        + "  headers = [{ name = Authorization, env = RUNTIME_TOKEN, prefix = \"Bearer \" }] }"
        + ", { id = tick, kind = env, required = [RUNTIME_TOKEN] }]", Map.of());
    ProbeState failed = firstRound("api.status");
    assertThat(failed.category()).isEqualTo("auth_error");
    assertThat(failed.waitingOnCredential()).isPresent();
    for (int i = 0; i < 5; i++) {
      runAgain("tick"); // time passes, five intervals, and the other probe keeps running
    }
    assertThat(server.hits("/api/v1/runtime/status")).isEqualTo(1);
    assertThat(module.book().diagnosis(false).probes().getFirst().detail())
        .endsWith("(not retried until RUNTIME_TOKEN changes)");

    Files.writeString(dir.resolve(".env"), "RUNTIME_TOKEN=fresh-token-2\n"); // the key is rotated
    ProbeState retried = runAgain("api.status");
    assertThat(retried.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(server.hits("/api/v1/runtime/status")).isEqualTo(2);
  }

  @Test
  void expensiveProbesNeverRunInParallel() throws Exception {
    // each holds a lock directory for a while; run together, the second could not take it
    String hold = "[\"sh\", \"-c\", \"mkdir lock || exit 9; sleep 0.3; rmdir lock\"]";
    start("expensive-min-interval = 10s, probes = ["
        + "{ id = smoke.a, kind = command, cost = expensive, interval = 1m, argv = " + hold + " }"
        + ", { id = smoke.b, kind = command, cost = side-effecting, interval = 1m, argv = " + hold + " }"
        + ", { id = smoke.c, kind = command, cost = expensive, interval = 1m, argv = " + hold + " }]", Map.of());
    for (String id : List.of("smoke.a", "smoke.b", "smoke.c")) {
      assertThat(firstRound(id).status()).as(id + ": " + state(id).detail()).isEqualTo(HealthStatus.HEALTHY);
    }
  }

  @Test
  void healthIsTheRollUpWithEveryProbeInItsDetails() throws Exception {
    server.route("/health", Fixtures.Reply.json(200, "{\"ok\":true}"));
    start("probes = ["
        + "{ id = api.health, kind = http, url = \"" + server.url("/health") + "\" }"
        + ", { id = mlflow.tcp, kind = tcp, port = " + Fixtures.freePort() + ", severity = optional, failure-threshold = 1 }]"
        + ", symptoms = [{ id = no-mlflow-traces, title = \"No MLflow traces\","
        + "  checks = [{ probe = mlflow.tcp, cause = \"MLflow is not running\", fix = \"make mlflow\" }] }]", Map.of());
    firstRound("api.health");
    firstRound("mlflow.tcp");
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      time.advance(Duration.ofSeconds(1));
      return manager.health(SandboxHealthModule.SANDBOX_HEALTH).status() != HealthStatus.UNKNOWN;
    });
    HealthCheckResult health = manager.health(SandboxHealthModule.SANDBOX_HEALTH);
    assertThat(health.status()).isEqualTo(HealthStatus.DEGRADED); // an optional probe only degrades
    assertThat(health.message()).isEqualTo("degraded: mlflow.tcp unhealthy (connection_error)");
    assertThat(health.details()).containsEntry("status", "degraded");
    Diagnosis fromDetails = Diagnosis.fromJson(health.details());
    assertThat(fromDetails.probes()).extracting(Diagnosis.ProbeLine::id).containsExactly("api.health", "mlflow.tcp");
    assertThat(fromDetails.probes().get(1).history()).isNotEmpty();
    assertThat(fromDetails.symptoms().getFirst().cause()).isEqualTo("MLflow is not running");
    assertThat(fromDetails.symptoms().getFirst().fix()).isEqualTo("make mlflow");
  }

  @Test
  void anUnhealthyRollUpIsTheDaemonsHealthAndTheProberIsNotRestartedForIt() throws Exception {
    start("probes = [{ id = api.health, kind = tcp, port = " + Fixtures.freePort() + ", failure-threshold = 1 }]", Map.of());
    firstRound("api.health");
    HealthCheckResult health = new SandboxHealthDaemon(module, new java.util.Random()).healthCheck();
    assertThat(health.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(health.details()).containsEntry("status", "unhealthy");
    assertThat(health.message()).startsWith("unhealthy: api.health unhealthy (connection_error)");
    assertThat(module.book().rollUp()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(module.spec().restartsWhenUnhealthy()).isFalse();
  }

  @Test
  void aRestartOfTheDaemonKeepsTheHistory() throws Exception {
    server.route("/health", Fixtures.Reply.json(200, "{}"));
    start("probes = [{ id = api.health, kind = http, url = \"" + server.url("/health") + "\" }]", Map.of());
    firstRound("api.health");
    runAgain("api.health");
    var restarted = manager.restart(SandboxHealthModule.SANDBOX_HEALTH);
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      time.advance(Duration.ofMillis(100));
      return restarted.isDone();
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> runs("api.health") >= 3); // the new first round
    assertThat(state("api.health").status()).isEqualTo(HealthStatus.HEALTHY);
  }

  @Test
  void aSecretNeverAppearsInDetailsMetricsOrLogs() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try {
      String secret = "dtn_live_9f8e7d6c5b4a";
      // a careless server echoes the key back in its error, and a command prints it
      server.route("/sandboxes", Fixtures.Reply.json(500, "{\"detail\":\"key " + secret + " over quota\"}"));
      start("probes = ["
          + "{ id = env.daytona, kind = env, required = [DAYTONA_API_KEY, DAYTONA_API_URL], secret = [DAYTONA_API_KEY], failure-threshold = 1 }"
          + ", { id = daytona.api, kind = http, url = \"" + server.url("/sandboxes") + "\", failure-threshold = 1,"
          + "  headers = [{ name = X-Api-Key, env = DAYTONA_API_KEY }] }"
          + ", { id = echo, kind = command, env-allowlist = [DAYTONA_API_KEY], failure-threshold = 1,"
          + "  argv = [\"sh\", \"-c\", \"echo \\\"using $DAYTONA_API_KEY\\\" >&2; exit 1\"] }]",
          Map.of("DAYTONA_API_KEY", secret));
      firstRound("env.daytona");
      firstRound("daytona.api");
      firstRound("echo");
      assertThat(state("daytona.api").detail()).contains("key *** over quota");
      assertThat(state("echo").detail()).isEqualTo("sh exited 1: using ***");

      String details = new SandboxHealthDaemon(module, new java.util.Random()).healthCheck().details().toString();
      PrometheusRegistry registry = new PrometheusRegistry();
      registry.register(module.metrics());
      ByteArrayOutputStream scrape = new ByteArrayOutputStream();
      PrometheusTextFormatWriter.create().write(scrape, registry.scrape());
      String metrics = scrape.toString(StandardCharsets.UTF_8);
      String logged = String.join("\n", logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList());

      assertThat(metrics).contains("vigil_probe_status{kind=\"http\",probe=\"daytona.api\",severity=\"required\",status=\"unhealthy\"} 1.0");
      assertThat(logged).contains("probe daytona.api is unhealthy");
      // logged from a probe's own thread, which carries the daemon's name as the manager's do
      assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("probe daytona.api is unhealthy"))
          .first()
          .satisfies(e -> {
            assertThat(e.getMDCPropertyMap()).containsEntry("daemon", "SANDBOX_HEALTH");
            assertThat(e.getThreadName()).startsWith("SANDBOX_HEALTH-probe-");
          });
      for (String output : List.of(details, metrics, logged)) {
        assertThat(output).doesNotContain(secret).doesNotContain("9f8e7d6c5b4a");
      }
    } finally {
      root.detachAppender(logs);
    }
  }
}
