package dev.vigil.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Fingerprinting;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore.GroupedEvent;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil signatures} and {@code vigil scan} through {@link Cli#run}, on a real store file. */
class SignaturesCommandTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  Map<String, String> env = new HashMap<>();

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(home.resolve("profiles"));
    Files.writeString(home.resolve("profiles/standalone.conf"), "vigil.profile { daemons = [] }\n");
    env.put("VIGIL_STATE_DIR", home.resolve("state").toString());
  }

  Run vigil(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cli.run(args, new PrintWriter(out), new PrintWriter(err), env, home);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Two signatures: a timeout seen 3 times in checkout (resolved, then recurred), a muted NPE in billing. */
  void seed() {
    Fingerprinting.Result timeout =
        new Fingerprinting.Result("f00d", 2, "read timed out after <NUM> ms", List.of("db::query", "http::handler"));
    Fingerprinting.Result npe = new Fingerprinting.Result("beef", 2, "null at <*>", List.of());
    try (SqliteSignatureStore store =
        SqliteSignatureStore.open(home.resolve("state/rounds.db"), SqliteSignatureStore.Options.defaults())) {
      List<GroupedEvent> batch = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        batch.add(new GroupedEvent(event("checkout", "java.net.SocketTimeoutException", "read timed out after 30" + i + " ms", T0.plusSeconds(i), "trace" + i), timeout));
      }
      batch.add(new GroupedEvent(event("billing", "java.lang.NullPointerException", "null at x", T0.minusSeconds(60), "t9"), npe));
      store.ingest(batch, T0, null);
      store.transition(1, SignatureStatus.RESOLVED, "cli:alice", "fixed in 1.4.2", T0.plusSeconds(10));
      store.ingest(
          List.of(new GroupedEvent(event("checkout", "java.net.SocketTimeoutException", "read timed out after 999 ms", T0.plusSeconds(20), "trace2"), timeout)),
          T0.plusSeconds(30),
          null);
      store.transition(2, SignatureStatus.MUTED, "cli:bob", "known noise", T0.plusSeconds(40));
    }
  }

  static ErrorEvent event(String service, String type, String message, Instant at, String traceId) {
    return new ErrorEvent("otlp", service, type, message, "", at, traceId, "00f067aa0ba902b7", Severity.ERROR, null);
  }

  @Test
  void listJsonIsAnArrayOfSignaturesWithTheBindingFieldsMostRecentFirst() throws Exception {
    seed();
    Run r = vigil("signatures", "list", "--json");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode list = r.json();
    assertThat(list.isArray()).isTrue();
    assertThat(list).hasSize(2);
    JsonNode first = list.get(0);
    for (String field :
        List.of("id", "fingerprint", "fingerprint_version", "service", "error_type", "message_template",
            "status", "occurrence_count", "first_seen", "last_seen", "diagnosis")) {
      assertThat(first.has(field)).as(field).isTrue();
    }
    assertThat(first.get("id").asLong()).isEqualTo(1);
    assertThat(first.get("fingerprint").asText()).isEqualTo("f00d");
    assertThat(first.get("fingerprint_version").asInt()).isEqualTo(2);
    assertThat(first.get("service").asText()).isEqualTo("checkout");
    assertThat(first.get("error_type").asText()).isEqualTo("java.net.SocketTimeoutException");
    assertThat(first.get("message_template").asText()).isEqualTo("read timed out after <NUM> ms");
    assertThat(first.get("status").asText()).isEqualTo("new");
    assertThat(first.get("regression").asBoolean()).isTrue();
    assertThat(first.get("occurrence_count").asLong()).isEqualTo(3);
    assertThat(first.get("first_seen").asText()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(first.get("last_seen").asText()).isEqualTo("2026-03-01T10:00:20Z");
    assertThat(first.get("diagnosis").isNull()).isTrue();
    assertThat(list.get(1).get("status").asText()).isEqualTo("muted");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void listFiltersByStatusAndServiceAndPrintsATable() throws Exception {
    seed();
    assertThat(vigil("signatures", "list", "--status", "MUTED", "--json").json()).extracting(n -> n.get("fingerprint").asText()).containsExactly("beef");
    assertThat(vigil("signatures", "list", "--service", "checkout", "--json").json()).extracting(n -> n.get("fingerprint").asText()).containsExactly("f00d");
    assertThat(vigil("signatures", "list", "--status", "diagnosed", "--json").json()).isEmpty();

    Run table = vigil("signatures", "list");
    assertThat(table.exit()).isZero();
    assertThat(table.out().lines().toList())
        .hasSize(4)
        .first().asString().startsWith("ID");
    assertThat(table.out())
        .contains("new*", "java.net.SocketTimeoutException: read timed out after <NUM> ms", "muted", "billing")
        .contains("* regression");
  }

  @Test
  void showPrintsTheSignatureWithItsSamplesAndAuditTrail() throws Exception {
    seed();
    Run r = vigil("signatures", "show", "1", "--json");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode s = r.json();
    assertThat(s.get("fingerprint").asText()).isEqualTo("f00d");
    assertThat(s.get("frames")).extracting(JsonNode::asText).containsExactly("db::query", "http::handler");
    assertThat(s.get("samples")).extracting(n -> n.get("trace_id").asText()).containsExactly("trace2", "trace1", "trace0");
    assertThat(s.get("samples").get(0).get("message").asText()).isEqualTo("read timed out after 999 ms");
    assertThat(s.get("audit")).extracting(n -> n.get("to").asText()).containsExactly("new", "resolved", "new");
    assertThat(s.get("audit").get(1).get("actor").asText()).isEqualTo("cli:alice");
    assertThat(s.get("audit").get(1).get("reason").asText()).isEqualTo("fixed in 1.4.2");
    assertThat(s.get("audit").get(2).get("regression").asBoolean()).isTrue();

    Run text = vigil("signatures", "show", "beef");
    assertThat(text.exit()).isZero();
    assertThat(text.out()).contains("signature 2", "status:      muted", "audit trail:", "new -> muted  by cli:bob: known noise");
  }

  @Test
  void missingStoresSignaturesAndBadOptionsAreReported() {
    Run noStore = vigil("signatures", "list");
    assertThat(noStore.exit()).isEqualTo(Cli.NOT_OK);
    assertThat(noStore.err()).contains("no signature store at").contains("rounds.db");
    assertThat(noStore.out()).isEmpty();

    seed();
    Run unknown = vigil("signatures", "show", "999");
    assertThat(unknown.exit()).isEqualTo(Cli.NOT_OK);
    assertThat(unknown.err()).contains("no signature 999");

    Run badStatus = vigil("signatures", "list", "--status", "fixed");
    assertThat(badStatus.exit()).isEqualTo(Cli.USAGE);
    assertThat(badStatus.err()).contains("unknown signature status 'fixed'");

    assertThat(vigil("signatures").exit()).isEqualTo(Cli.USAGE);
  }

  @Test
  void storeSqlitePathFromTheEnvironmentIsWhereTheCommandsRead() throws Exception {
    seed();
    Path moved = home.resolve("elsewhere.db");
    Files.move(home.resolve("state/rounds.db"), moved);
    env.put("STORE_SQLITE_PATH", moved.toString());
    assertThat(vigil("signatures", "list", "--json").json()).hasSize(2);
  }

  @Test
  void scanWithTheOtlpBackendSaysThereIsNothingToPoll() throws Exception {
    Run r = vigil("scan");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode doc = r.json();
    assertThat(doc.get("backend").asText()).isEqualTo("otlp");
    assertThat(doc.get("polled").asBoolean()).isFalse();
    assertThat(doc.get("reason").asText()).contains("OTLP receiver");
  }

  @Test
  void badRoundsSettingsExit78NamingKeyValueAndVariable() {
    env.put("POLL_INTERVAL_SECONDS", "soon");
    env.put("TELEMETRY_BACKEND", "datadog");
    Run r = vigil("scan");
    assertThat(r.exit()).isEqualTo(Cli.BAD_CONFIG);
    assertThat(r.err())
        .contains("vigil.daemons.TELEMETRY_POLLER.poll-interval-seconds: 'soon' is not a whole number")
        .contains("vigil.rounds.telemetry.backend: 'datadog' is not a known telemetry backend");
    assertThat(r.out()).isEmpty();
    assertThat(vigil("signatures", "list").exit()).isEqualTo(Cli.BAD_CONFIG);
  }
}
