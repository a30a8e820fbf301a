package dev.vigil.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Fingerprinting;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.SignatureStore.GroupedEvent;
import dev.vigil.rounds.store.SqliteBudgetGate;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil diagnose-signature}, {@code vigil investigate} and the management commands of
 * {@code vigil signatures}, through {@link Cli#run} on a real store file; the model is the fake
 * {@code claude} script of the rounds module's tests.
 */
class DiagnosisCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  Map<String, String> env = new HashMap<>();
  Path db;

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
    env.put("NOTIFICATION_BACKEND", "");
    db = home.resolve("state/rounds.db");
    Instant now = Instant.now();
    Fingerprinting.Result g = new Fingerprinting.Result("f00d", 2, "read timed out after <NUM> ms", List.of("db::query"));
    try (SqliteSignatureStore store = SqliteSignatureStore.open(db, SqliteSignatureStore.Options.defaults())) {
      List<GroupedEvent> batch = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        batch.add(new GroupedEvent(new ErrorEvent("otlp", "checkout", "java.net.SocketTimeoutException",
            "read timed out after 30" + i + " ms", "", now.minusSeconds(10 - i), "trace" + i, "00f067aa0ba902b7",
            Severity.ERROR, null), g));
      }
      store.ingest(batch, now, null);
    }
  }

  Run vigil(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cli.run(args, new PrintWriter(out), new PrintWriter(err), env, home);
    return new Run(exit, out.toString(), err.toString());
  }

  /** The fake claude CLI, answering with {@code scenario}. */
  void fakeClaude(String scenario) throws Exception {
    Path bin = Files.createDirectories(home.resolve("bin"));
    Path claude = bin.resolve("claude");
    Files.copy(Path.of("../daemons/rounds/src/test/resources/diagnosis/fake-claude"), claude,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(claude, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(bin.resolve("scenario"), scenario);
    env.put("DIAGNOSIS_BACKEND", "claude_code");
    env.put("CLAUDE_PATH", claude.toString());
    env.put("CODEBASE_PATH", home.toString());
  }

  BigDecimal spentToday() {
    try (SqliteDiagnosisStore s = SqliteDiagnosisStore.open(db, SqliteSignatureStore.Options.defaults())) {
      return new SqliteBudgetGate(() -> s, new BigDecimal("100"), ZoneOffset.UTC, Clock.systemUTC(),
          Duration.ofMinutes(15), "test").snapshot().spentUsd();
    }
  }

  @Test
  void diagnoseSignaturePrintsTheDiagnosisAndListShowsItWithItsCost() throws Exception {
    Run r = vigil("diagnose-signature", "1");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode d = r.json().get("diagnosis");
    assertThat(r.json().get("outcome").asText()).isEqualTo("diagnosed");
    assertThat(d.get("model").asText()).isEqualTo("none");
    assertThat(d.get("confidence").asText()).isEqualTo("low");
    assertThat(d.get("cost_usd").decimalValue()).isEqualByComparingTo("0"); // no model, no cost

    JsonNode listed = vigil("signatures", "list", "--json").json().get(0);
    assertThat(listed.get("status").asText()).isEqualTo("diagnosed");
    assertThat(listed.get("diagnosis").get("confidence").asText()).isEqualTo("low");
    assertThat(listed.get("diagnosis").has("cost_usd")).isTrue();

    Run show = vigil("signatures", "show", "1");
    assertThat(show.out()).contains("diagnosis (", "evidence, model none", "cost 0.00 USD").contains("root cause:");
    assertThat(vigil("signatures", "show", "1", "--json").json().get("audit"))
        .extracting(n -> n.get("to").asText()).containsExactly("new", "investigating", "diagnosed");
  }

  @Test
  void aModelDiagnosisFromTheCliIsChargedThroughTheLedgerAndRefusedWhenTheBudgetIsSpent() throws Exception {
    fakeClaude("success");
    env.put("DAILY_BUDGET_LIMIT", "1.00");
    env.put("CLAUDE_CODE_BUDGET_USD", "0.60");
    Run r = vigil("diagnose-signature", "1");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.json().get("diagnosis").get("cost_usd").decimalValue()).isEqualByComparingTo("0.00423");
    assertThat(r.json().get("diagnosis").get("confidence").asText()).isEqualTo("high");
    assertThat(spentToday()).isEqualByComparingTo("0.00423");

    Run again = vigil("diagnose-signature", "1"); // reinvestigated: charged again
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(spentToday()).isEqualByComparingTo("0.00846");
    assertThat(vigil("signatures", "list", "--json").json().get(0).get("diagnosis").get("cost_usd").decimalValue())
        .isEqualByComparingTo("0.00423");

    env.put("DAILY_BUDGET_LIMIT", "0.50"); // 0.00846 spent + a 0.60 cap > 0.50
    Run refused = vigil("diagnose-signature", "1");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.json().get("outcome").asText()).isEqualTo("budget_exhausted");
    assertThat(refused.err()).contains("budget exhausted until 00:00 UTC");
    assertThat(spentToday()).isEqualByComparingTo("0.00846");
  }

  @Test
  void investigateRunsOneCycle() throws Exception {
    Run r = vigil("investigate", "--json");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.json().get("started").asInt()).isEqualTo(1);
    assertThat(r.json().get("diagnosed").asInt()).isEqualTo(1);
    assertThat(vigil("investigate", "--json").json().get("started").asInt()).isZero(); // cooling down
  }

  @Test
  void manageCommandsMoveTheSignatureAndAuditTheActorAndReason() throws Exception {
    Run muted = vigil("signatures", "mute", "1", "--reason", "known noise");
    assertThat(muted.exit()).as(muted.err()).isZero();
    assertThat(muted.out()).contains("signature 1 is muted");
    assertThat(vigil("investigate", "--json").json().get("started").asInt()).isZero();
    Run refused = vigil("signatures", "reinvestigate", "1");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("it is muted");

    Run resolved = vigil("signatures", "resolve", "1", "--fix", "v1.4.2");
    assertThat(resolved.exit()).as(resolved.err()).isEqualTo(1); // muted -> resolved is not a move
    assertThat(vigil("signatures", "retriage", "1", "--reason", "check again").exit()).isZero();
    assertThat(vigil("signatures", "mute", "2").exit()).isEqualTo(1);

    JsonNode audit = vigil("signatures", "show", "1", "--json").json().get("audit");
    JsonNode mute = audit.get(1);
    assertThat(mute.get("actor").asText()).startsWith("cli:");
    assertThat(mute.get("to").asText()).isEqualTo("muted");
    assertThat(mute.get("reason").asText()).isEqualTo("known noise");
    assertThat(audit.get(audit.size() - 1).get("reason").asText()).isEqualTo("retriage: check again");
  }
}
