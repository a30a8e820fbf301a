package dev.vigil.launcher.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.launcher.cli.Cli;
import dev.vigil.launcher.cli.ParkedNotifications;
import dev.vigil.launcher.http.NodeHttpServer;
import dev.vigil.launcher.http.NodeInfo;
import dev.vigil.rounds.AuditEntry;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Fingerprinting;
import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.SignatureStore.GroupedEvent;
import dev.vigil.rounds.notify.NotificationQueue;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rounds management endpoints ({@link SignaturesApi}) on the node's real HTTP server, with a
 * real client, over a real SQLite store in a temporary directory held open by a running {@code
 * SIGNATURE_STORE} daemon; the CLI's JSON is compared with the API's.
 */
class SignaturesApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOKEN = "signatures-api-token-0123";

  @TempDir Path home;
  final Map<String, String> settings = new HashMap<>();
  final Map<String, String> env = new HashMap<>();
  RoundsModule rounds;
  DaemonManager manager;
  NodeHttpServer server;
  final HttpClient http = HttpClient.newHttpClient();

  /** Two signatures: 1 in checkout (3 occurrences), 2 in billing (1 occurrence). */
  void start() throws Exception {
    Path state = home.resolve("state");
    Files.createDirectories(home.resolve("profiles"));
    Files.writeString(home.resolve("profiles/standalone.conf"), "vigil.profile { daemons = [] }\n");
    env.put("VIGIL_STATE_DIR", state.toString());
    env.put("NOTIFICATION_BACKEND", "");
    settings.put("vigil.state-dir", state.toString());
    settings.put("vigil.rounds.telemetry.backend", "otlp");
    settings.put("vigil.rounds.notification.backends", "");
    Instant now = Instant.now();
    try (SqliteSignatureStore store =
        SqliteSignatureStore.open(state.resolve("rounds.db"), SqliteSignatureStore.Options.defaults())) {
      List<GroupedEvent> batch = new ArrayList<>();
      Fingerprinting.Result timeout =
          new Fingerprinting.Result("f00d", 2, "read timed out after <NUM> ms", List.of("db::query"));
      for (int i = 0; i < 3; i++) {
        batch.add(event("checkout", "read timed out after 30" + i + " ms", now.minusSeconds(10 - i), timeout));
      }
      batch.add(event("billing", "card declined", now.minusSeconds(5),
          new Fingerprinting.Result("beef", 2, "card declined", List.of("pay::charge"))));
      store.ingest(batch, now, null);
    }
    Config config =
        ConfigFactory.parseMap(settings).withFallback(ConfigFactory.defaultReference()).resolve();
    rounds = RoundsModule.create(config, state, home, null);
    manager = DaemonManager.builder(DaemonRegistry.of(rounds.specs().get(0))).build();
    manager.start(List.of(RoundsModule.SIGNATURE_STORE)).get(10, SECONDS);
    server =
        NodeHttpServer.start(
            "127.0.0.1",
            0,
            manager,
            new NodeInfo("vigil", "test", 1, Instant.now(), "test", null),
            TOKEN,
            () -> {},
            new NodeHttpServer.Extensions(
                List.of(),
                () -> false,
                Modules.apiRoutes(rounds.nodeManagement(new PrintStream(PrintStream.nullOutputStream())))));
  }

  static GroupedEvent event(String service, String message, Instant at, Fingerprinting.Result g) {
    return new GroupedEvent(
        new ErrorEvent("otlp", service, "java.lang.IllegalStateException", message, "", at,
            "trace-" + message.hashCode(), "00f067aa0ba902b7", Severity.ERROR, null),
        g);
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    if (server != null) {
      server.close();
    }
    if (manager != null) {
      manager.shutdown(Duration.ofSeconds(10)).get(20, SECONDS);
    }
    if (rounds != null) {
      rounds.close();
    }
  }

  // -------------------------------------------------------------------------------- reads

  @Test
  void listAndShowAnswerExactlyWhatTheCliPrints() throws Exception {
    start();
    JsonNode listed = ok(get("/api/signatures"));
    assertThat(listed).isEqualTo(cli("signatures", "list", "--json"));
    assertThat(listed).extracting(n -> n.get("id").asLong()).containsExactly(2L, 1L);
    assertThat(ok(get("/api/signatures/1"))).isEqualTo(cli("signatures", "show", "1", "--json"));
    assertThat(ok(get("/api/signatures/beef")).get("id").asLong()).isEqualTo(2);

    assertThat(ok(get("/api/signatures?service=checkout&status=new&limit=5")))
        .isEqualTo(cli("signatures", "list", "--json", "--service", "checkout", "--status", "new", "--limit", "5"));
    assertThat(ok(get("/api/signatures?limit=1"))).hasSize(1);
    assertThat(ok(get("/api/signatures?status=muted"))).isEmpty();
  }

  @Test
  void badQueryParametersAreNamedWithWhy() throws Exception {
    start();
    assertError(get("/api/signatures?status=sleeping"), 400,
        "status: unknown signature status 'sleeping' (known: new, investigating, diagnosed, resolved, muted)");
    assertError(get("/api/signatures?limit=lots"), 400, "limit: 'lots' is not a whole number");
    assertError(get("/api/signatures?limit=0"), 400, "limit: 0 must be at least 1");
    assertError(get("/api/signatures?stauts=new"), 400,
        "unknown query parameter 'stauts' (known: [limit, service, status])");
    assertError(get("/api/signatures?status=new&status=muted"), 400, "status: given 2 times, once at most");
    assertError(get("/api/signatures/99"), 404, "no signature 99");
  }

  @Test
  void everyEndpointWantsTheToken() throws Exception {
    start();
    for (String path : List.of("/api/signatures", "/api/signatures/1", "/api/notifications")) {
      assertThat(send(HttpRequest.newBuilder(uri(path)).GET()).statusCode()).isEqualTo(401);
    }
    for (String path : List.of("/api/signatures/1/mute", "/api/signatures/1/resolve", "/api/signatures/1/retriage",
        "/api/signatures/1/reinvestigate", "/api/signatures/1/diagnose", "/api/investigate",
        "/api/notifications/1/retry", "/api/notifications/retry")) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path))
          .header("Authorization", "Bearer not-the-token").POST(HttpRequest.BodyPublishers.ofString("{}")));
      assertThat(r.statusCode()).as(path).isEqualTo(401);
    }
    assertThat(audit(1)).hasSize(1); // created, nothing else
  }

  // ------------------------------------------------------------------------------ changes

  @Test
  void muteResolveRetriageAndReinvestigateAreAuditedWithTheActorAndReason() throws Exception {
    start();
    HttpResponse<String> muted = post("/api/signatures/1/mute", "{\"reason\": \"known noise\"}", "alice");
    JsonNode m = ok(muted);
    assertThat(m.get("message").asText()).isEqualTo("signature 1 is muted");
    assertThat(m.get("signature").get("status").asText()).isEqualTo("muted");
    assertThat(m.get("signature")).isEqualTo(ok(get("/api/signatures")).get(1)); // the list's shape

    assertError(post("/api/signatures/1/resolve", "{\"fix\": \"v1.4.2\"}", "alice"), 409,
        "Expected signature 1 to be in a status that can move to resolved, but it is muted"
            + " (from muted it can move to [new])");
    assertError(post("/api/signatures/1/reinvestigate", "", null), 409,
        "Expected signature 1 to be in a status that can move to investigating, but it is muted"
            + " (from muted it can move to [new])");
    assertThat(ok(post("/api/signatures/1/retriage", "{\"reason\": \"check again\"}", null)).get("message").asText())
        .isEqualTo("signature 1 retriaged");

    JsonNode queued = ok(post("/api/signatures/2/reinvestigate", "{\"reason\": \"new build\"}", "bob"));
    assertThat(queued.get("message").asText()).isEqualTo("signature 2 queued for investigation at the next sweep");
    JsonNode resolved = ok(post("/api/signatures/2/resolve", "{\"fix\": \"v1.4.2\"}", null));
    assertThat(resolved.get("signature").get("status").asText()).isEqualTo("resolved");
    assertThat(post("/api/signatures/2/reinvestigate", "{}", null).statusCode()).isEqualTo(409);

    List<AuditEntry> one = audit(1);
    assertThat(one).extracting(AuditEntry::actor, AuditEntry::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("ingest", "first seen"),
            org.assertj.core.groups.Tuple.tuple("api:alice", "known noise"),
            org.assertj.core.groups.Tuple.tuple("api:token", "retriage: check again"));
    assertThat(one.get(1).to().wireName()).isEqualTo("muted");
    assertThat(audit(2)).extracting(AuditEntry::actor, AuditEntry::reason)
        .endsWith(
            org.assertj.core.groups.Tuple.tuple("api:bob", "reinvestigate: new build"),
            org.assertj.core.groups.Tuple.tuple("api:token", "resolved by v1.4.2"));
  }

  @Test
  void badBodiesAndIdsAreNamedWithWhyAndMissingSignaturesAre404() throws Exception {
    start();
    assertError(post("/api/signatures/1/mute", "{\"reason\": 5}", null), 400, "reason: must be a string, not number");
    assertError(post("/api/signatures/1/mute", "{\"reasn\": \"x\"}", null), 400,
        "unknown field 'reasn' (known: reason)");
    assertError(post("/api/signatures/1/resolve", "{\"reason\": \"x\"}", null), 400,
        "unknown field 'reason' (known: fix)");
    assertError(post("/api/signatures/1/mute", "{\"reason\": \"" + "x".repeat(1001) + "\"}", null), 400,
        "reason: 1001 characters, at most 1000");
    assertError(post("/api/signatures/1/diagnose", "{\"model\": \"opus\"}", null), 400,
        "unknown field 'model' (this endpoint takes no field)");
    assertError(post("/api/signatures/one/mute", "{}", null), 400, "id: 'one' is not a signature id (a whole number)");
    assertError(post("/api/signatures/1/mute", "{\"reason\": ", null), 400, null);
    assertError(post("/api/signatures/99/mute", "{}", null), 404, "no signature 99");
    assertError(post("/api/signatures/99/diagnose", "{}", null), 404, "no signature 99");
    assertThat(audit(1)).hasSize(1);
  }

  @Test
  void noStoreRunningIs503() throws Exception {
    start();
    manager.stop(RoundsModule.SIGNATURE_STORE).get(10, SECONDS);
    assertError(get("/api/signatures"), 503, null);
    HttpResponse<String> r = post("/api/signatures/1/mute", "{}", null);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("store_unavailable");
    assertThat(JSON.readTree(r.body()).get("message").asText()).contains("SIGNATURE_STORE is not running");
    assertError(get("/api/notifications"), 503, null);
    assertError(post("/api/notifications/retry", "{\"all_parked\": true}", null), 503, null);
  }

  // ------------------------------------------------------------------ notification queue

  @Test
  void theQueueAnswersExactlyWhatTheCliPrintsAndARetryIsAuditedAndThenDelivered() throws Exception {
    start();
    Path db = home.resolve("state/rounds.db");
    List<NotificationQueue.Pending> queued = ParkedNotifications.parkOneDelayOne(db);
    long parked = queued.get(0).id();
    long waiting = queued.get(1).id();

    JsonNode all = ok(get("/api/notifications"));
    assertThat(all).isEqualTo(cli("notifications", "--json"));
    assertThat(all).extracting(n -> n.get("id").asLong()).containsExactly(parked, waiting);
    assertThat(ok(get("/api/notifications?parked=true"))).isEqualTo(cli("notifications", "--parked", "--json"))
        .hasSize(1);
    assertThat(ok(get("/api/notifications?parked=false"))).isEqualTo(all);

    HttpResponse<String> notParked = post("/api/notifications/" + waiting + "/retry", "{}", null);
    assertError(notParked, 409, "notification " + waiting + " is not parked (it waits for its next attempt);"
        + " nothing was retried");
    assertThat(JSON.readTree(notParked.body()).get("not_parked")).extracting(JsonNode::asLong).containsExactly(waiting);
    assertError(post("/api/notifications/99/retry", "{}", null), 404, "no notification 99; nothing was retried");
    HttpResponse<String> mixed = post("/api/notifications/retry", "{\"ids\": [99, " + waiting + ", " + parked + "]}", null);
    assertError(mixed, 404, "no notification 99; notification " + waiting
        + " is not parked (it waits for its next attempt); nothing was retried");
    assertThat(JSON.readTree(mixed.body()).get("retried")).isEmpty();
    assertThat(ok(get("/api/notifications?parked=true"))).hasSize(1);

    JsonNode retried = ok(post("/api/notifications/" + parked + "/retry", "{\"reason\": \"template fixed\"}", "alice"));
    assertThat(retried.get("retried")).hasSize(1);
    JsonNode entry = retried.get("retried").get(0);
    assertThat(entry.get("id").asLong()).isEqualTo(parked);
    assertThat(entry.get("parked").asBoolean()).isFalse();
    assertThat(entry.get("attempts").asInt()).isZero();
    assertThat(entry.get("last_error").asText()).isEqualTo(ParkedNotifications.REFUSED); // kept for the record
    assertThat(audit(1)).last().satisfies(a -> {
      assertThat(a.actor()).isEqualTo("api:alice");
      assertThat(a.reason()).isEqualTo("retry notification " + parked + " (resolved to github_issue): template fixed");
    });
    assertThat(ParkedNotifications.deliverDue(db)).containsExactly("resolved 1");
    assertThat(ok(get("/api/notifications"))).extracting(n -> n.get("id").asLong()).containsExactly(waiting);
  }

  @Test
  void retryAllParkedAndBadRetryBodiesAreNamedWithWhy() throws Exception {
    start();
    ParkedNotifications.parkOneDelayOne(home.resolve("state/rounds.db"));
    assertError(get("/api/notifications?parked=yes"), 400, "parked: 'yes' is neither true nor false");
    assertError(get("/api/notifications?status=parked"), 400, "unknown query parameter 'status' (known: [parked])");
    assertError(post("/api/notifications/retry", "{}", null), 400, "give either a non-empty \"ids\" or \"all_parked\": true");
    assertError(post("/api/notifications/retry", "{\"ids\": [], \"all_parked\": false}", null), 400,
        "give either a non-empty \"ids\" or \"all_parked\": true");
    assertError(post("/api/notifications/retry", "{\"ids\": [1], \"all_parked\": true}", null), 400,
        "give either a non-empty \"ids\" or \"all_parked\": true");
    assertError(post("/api/notifications/retry", "{\"ids\": \"1\"}", null), 400, "ids: must be an array of queue ids, not string");
    assertError(post("/api/notifications/retry", "{\"ids\": [1.5]}", null), 400, "ids: 1.5 is not a queue id (a whole number, 1 or more)");
    assertError(post("/api/notifications/retry", "{\"all_parked\": \"yes\"}", null), 400, "all_parked: must be true or false, not string");
    assertError(post("/api/notifications/retry", "{\"id\": [1]}", null), 400, "unknown field 'id' (known: all_parked, ids, reason)");
    assertError(post("/api/notifications/retry", "{\"all_parked\": true, \"reason\": 5}", null), 400, "reason: must be a string, not number");
    assertError(post("/api/notifications/x/retry", "{}", null), 400, "id: 'x' is not a queue id (a whole number)");
    assertError(post("/api/notifications/1/retry", "{\"fix\": \"x\"}", null), 400, "unknown field 'fix' (known: reason)");
    assertThat(ok(get("/api/notifications?parked=true"))).hasSize(1); // none of that changed anything

    JsonNode all = ok(post("/api/notifications/retry", "{\"all_parked\": true}", "ops"));
    assertThat(all.get("retried")).extracting(n -> n.get("kind").asText()).containsExactly("resolved");
    assertThat(audit(1)).last().extracting(AuditEntry::actor).isEqualTo("api:ops");
    assertThat(ok(post("/api/notifications/retry", "{\"all_parked\": true}", null)).get("retried")).isEmpty();
  }

  // ------------------------------------------------------------------------- investigations

  @Test
  void diagnoseAnswersWhatDiagnoseSignaturePrintsAndLeasesAsTheActor() throws Exception {
    start();
    JsonNode d = ok(post("/api/signatures/1/diagnose", "", "ci"));
    assertThat(d.get("signature_id").asLong()).isEqualTo(1);
    assertThat(d.get("outcome").asText()).isEqualTo("diagnosed");
    assertThat(d.get("diagnosis").get("model").asText()).isEqualTo("none");
    assertThat(d.fieldNames()).toIterable().containsExactly("signature_id", "outcome", "diagnosis", "investigation");
    assertThat(d.get("diagnosis")).isEqualTo(cli("signatures", "show", "1", "--json").get("diagnosis"));
    List<AuditEntry> audit = audit(1);
    assertThat(audit.get(1).actor()).startsWith("api:ci-");
    assertThat(audit.get(1).reason()).startsWith("investigation requested");
    assertThat(audit.get(2).to().wireName()).isEqualTo("diagnosed");

    JsonNode cycle = ok(post("/api/investigate", "", null)); // signature 2 has 1 occurrence of 3
    assertThat(cycle.toString()).isEqualTo("{\"started\":0,\"diagnosed\":0,\"notifications_retried\":0}");
    assertError(post("/api/investigate", "{\"now\": true}", null), 400, "unknown field 'now' (this endpoint takes no field)");
  }

  @Test
  void investigateRunsOneCycleAndAMutedSignatureCannotBeDiagnosed() throws Exception {
    start();
    JsonNode cycle = ok(post("/api/investigate", "{}", "cron"));
    assertThat(cycle.get("started").asInt()).isEqualTo(1);
    assertThat(cycle.get("diagnosed").asInt()).isEqualTo(1);
    assertThat(audit(1).get(1).actor()).startsWith("api:cron-");

    ok(post("/api/signatures/2/mute", "{}", null));
    assertError(post("/api/signatures/2/diagnose", "{}", null), 409,
        "Expected signature 2 to be in a status that can move to investigating, but it is muted"
            + " (from muted it can move to [new])");
  }

  @Test
  void aSignatureLeasedByARunningInvestigationIs409() throws Exception {
    start();
    Instant now = Instant.now();
    try (SqliteDiagnosisStore s = SqliteDiagnosisStore.open(
        home.resolve("state/rounds.db"), SqliteSignatureStore.Options.defaults())) {
      assertThat(s.lease(1, rounds.diagnosis().settings().triage(), true, "node-7-abc", now,
          now.plus(Duration.ofMinutes(15)))).isPresent();
    }
    HttpResponse<String> r = post("/api/signatures/1/diagnose", "{}", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    assertThat(JSON.readTree(r.body()).get("message").asText())
        .startsWith("signature 1 is being investigated by node-7-abc (leased until ");
  }

  @Test
  void aModelDiagnosisWithNoBudgetLeftIs503SayingUntilWhen() throws Exception {
    Path bin = Files.createDirectories(home.resolve("bin"));
    Path claude = bin.resolve("claude");
    Files.copy(Path.of("../daemons/rounds/src/test/resources/diagnosis/fake-claude"), claude,
        StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(claude, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(bin.resolve("scenario"), "success");
    settings.put("vigil.rounds.diagnosis.backend", "claude_code");
    settings.put("vigil.rounds.diagnosis.claude-code.executable", claude.toString());
    settings.put("vigil.rounds.diagnosis.codebase-path", home.toString());
    settings.put("vigil.rounds.budget.daily-limit-usd", "0.50");
    settings.put("vigil.rounds.budget.per-call-usd", "0.60"); // more than the day allows
    start();

    HttpResponse<String> r = post("/api/signatures/1/diagnose", "{}", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("error").asText()).isEqualTo("budget_exhausted");
    assertThat(body.get("message").asText()).contains("budget exhausted until 00:00 UTC");
    assertThat(body.get("outcome").asText()).isEqualTo("budget_exhausted");
    Instant until = Instant.parse(body.get("until").asText());
    assertThat(until).isAfter(Instant.now()).isBefore(Instant.now().plus(Duration.ofHours(25)));
    assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow())).isPositive();

    HttpResponse<String> cycle = post("/api/investigate", "", null);
    assertThat(cycle.statusCode()).as(cycle.body()).isEqualTo(503);
    assertThat(JSON.readTree(cycle.body()).get("message").asText()).startsWith("budget exhausted until 00:00 UTC");
    assertThat(JSON.readTree(cycle.body()).get("started").asInt()).isZero();
  }

  // ------------------------------------------------------------------------------ helpers

  URI uri(String path) {
    return URI.create(server.uri() + path);
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + TOKEN).GET());
  }

  HttpResponse<String> post(String path, String body, String actor) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .header("Authorization", "Bearer " + TOKEN)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (actor != null) {
      b.header("X-Vigil-Actor", actor);
    }
    return send(b);
  }

  static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(r.body());
  }

  static void assertError(HttpResponse<String> r, int status, String message) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("error").asText()).isNotBlank();
    if (message != null) {
      assertThat(body.get("message").asText()).isEqualTo(message);
    }
  }

  JsonNode cli(String... args) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cli.run(args, new PrintWriter(out), new PrintWriter(err), env, home);
    assertThat(exit).as(err.toString()).isZero();
    return JSON.readTree(out.toString());
  }

  List<AuditEntry> audit(long id) {
    try (SqliteSignatureStore s = SqliteSignatureStore.openReadOnly(home.resolve("state/rounds.db"), Duration.ofSeconds(5))) {
      return s.audit(id);
    }
  }
}
