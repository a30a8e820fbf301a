package dev.vigil.rounds.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.vigil.rounds.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiagnosisFactoryTest {
  @TempDir Path work;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T12:00:00Z"));

  static Config config(Map<String, Object> overrides) {
    return ConfigFactory.parseMap(overrides)
        .withFallback(ConfigFactory.parseResources("diagnosis-reference.conf"))
        .resolve();
  }

  private DiagnosisBackend create(Map<String, Object> overrides, BudgetGate gate) {
    return DiagnosisFactory.create(config(overrides), work, gate, clock);
  }

  private InMemoryBudgetGate gate(Config c) {
    DiagnosisFactory.BudgetSettings b = DiagnosisFactory.budget(c);
    return new InMemoryBudgetGate(b.dailyLimitUsd(), b.zone(), clock);
  }

  @Test
  void theEmbeddedDefaultIsTheEvidenceReport() {
    Config c = config(Map.of());
    DiagnosisBackend b = create(Map.of(), gate(c));
    assertThat(b).isInstanceOf(EvidenceBackend.class);
    DiagnosisFactory.BudgetSettings budget = DiagnosisFactory.budget(c);
    assertThat(budget.dailyLimitUsd()).isEqualByComparingTo("100.00");
    assertThat(budget.perCallUsd()).isEqualByComparingTo("2.00");
    assertThat(budget.zone()).isEqualTo(ZoneId.of("UTC"));
    assertThat(DiagnosisFactory.codebasePath(c, work)).isEqualTo(work);
  }

  @Test
  void claudeCodeFromConfigRunsTheCliAndChargesTheBudget() throws Exception {
    Path bin = Files.createDirectories(work.resolve("bin"));
    Path claude = bin.resolve("claude");
    try (InputStream in = getClass().getResourceAsStream("/diagnosis/fake-claude")) {
      Files.copy(in, claude, StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(claude.toFile().setExecutable(true)).isTrue();
    Files.writeString(bin.resolve("scenario"), "success");
    Path code = Files.createDirectories(work.resolve("src"));
    Map<String, Object> o = Map.of(
        "vigil.rounds.diagnosis.backend", "claude_code",
        "vigil.rounds.diagnosis.claude-code.executable", claude.toString(),
        "vigil.rounds.diagnosis.claude-code.model", "opus",
        "vigil.rounds.diagnosis.codebase-path", "src",
        "vigil.rounds.budget.per-call-usd", "0.75");
    Config c = config(o);
    InMemoryBudgetGate gate = gate(c);
    DiagnosisBackend b = create(o, gate);
    assertThat(b).isInstanceOf(BudgetedBackend.class);
    assertThat(b.name()).isEqualTo("claude_code");
    Path codebase = DiagnosisFactory.codebasePath(c, work);
    assertThat(codebase).isEqualTo(code);
    Diagnosis d = b.diagnose(Contexts.context(codebase));
    assertThat(d.confidence()).isEqualTo(Confidence.HIGH);
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("0.00423");
    String args = String.join(" ", Files.readAllLines(bin.resolve("args")));
    assertThat(args).contains("--model opus").contains("--max-budget-usd 0.75").contains("--max-turns 20");
  }

  @Test
  void aMissingKeyIsReportedWithItsPathAndNoSecret() {
    assertThatThrownBy(() -> create(Map.of("vigil.rounds.diagnosis.backend", "anthropic"), null))
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining("vigil.rounds.diagnosis.anthropic.api-key': <redacted>: ANTHROPIC_API_KEY is needed");
    DiagnosisBackend b = create(Map.of("vigil.rounds.diagnosis.backend", "anthropic",
        "vigil.rounds.diagnosis.anthropic.api-key", "sk-ant-x"), gate(config(Map.of())));
    assertThat(b.name()).isEqualTo("anthropic");
  }

  @Test
  void everyBadValueIsReportedAtOnce() {
    Map<String, Object> o = Map.of(
        "vigil.rounds.diagnosis.backend", "openai",
        "vigil.rounds.diagnosis.openai.base-url", "ftp://example",
        "vigil.rounds.diagnosis.openai.max-tokens-parameter", "tokens",
        "vigil.rounds.diagnosis.codebase-path", "missing-dir",
        "vigil.rounds.budget.time-zone", "Mars/Olympus",
        "vigil.rounds.budget.daily-limit-usd", "lots");
    Config bad = ConfigFactory.parseString(
            "vigil.rounds.diagnosis.prices { \"gpt-4.1-mini\" { input = 0.4, output = -1 } }")
        .withFallback(config(o)).resolve();
    assertThatThrownBy(() -> DiagnosisFactory.create(bad, work, null, clock))
        .isInstanceOf(ConfigException.ValidationFailed.class)
        .hasMessageContaining("vigil.rounds.diagnosis.openai.base-url: \"ftp://example\": must be an http or https URL")
        .hasMessageContaining("max-tokens-parameter: \"tokens\": must be one of max_completion_tokens, max_tokens")
        .hasMessageContaining("vigil.rounds.diagnosis.codebase-path: \"missing-dir\": is not a directory")
        .hasMessageContaining("vigil.rounds.budget.time-zone: \"Mars/Olympus\": must be a time zone id")
        .hasMessageContaining("vigil.rounds.budget.daily-limit-usd: \"lots\": must be a decimal number")
        .hasMessageContaining("vigil.rounds.diagnosis.prices.\"gpt-4.1-mini\".output: -1: must be at least 0");
    assertThatThrownBy(() -> create(Map.of("vigil.rounds.diagnosis.backend", "gpt"), null))
        .hasMessageContaining("vigil.rounds.diagnosis.backend': \"gpt\": must be one of anthropic, claude_code, evidence, openai");
  }

  @Test
  void everyDeclaredVariableNamesAKnownKey() {
    Config ref = config(Map.of());
    ref.getConfig("vigil.environment").entrySet().forEach(e ->
        assertThat(ref.hasPath((String) e.getValue().unwrapped()))
            .as(e.getKey() + " -> " + e.getValue().unwrapped()).isTrue());
    assertThat(ref.getConfig("vigil.environment").root().keySet())
        .contains("DIAGNOSIS_BACKEND", "CLAUDE_MODEL", "CLAUDE_CODE_BUDGET_USD", "CLAUDE_CODE_TIMEOUT_SECONDS",
            "DAILY_BUDGET_LIMIT", "BUDGET_TIME_ZONE", "CODEBASE_PATH", "ANTHROPIC_API_KEY", "ANTHROPIC_MODEL",
            "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "OPENAI_BASE_URL", "NOTIFICATION_BACKEND",
            "NOTIFICATION_OUTPUT_DIR", "GITHUB_TOKEN", "GITHUB_REPO", "GITHUB_API_URL");
  }

  @Test
  void theDefaultPricesReproduceTheClisCost() throws IOException {
    Config c = config(Map.of());
    assertThat(c.getDouble("vigil.rounds.diagnosis.default-prices.claude-sonnet-4-5.input")).isEqualTo(3.0);
    PriceTable.Price p = PriceTable.Price.of(new BigDecimal("3.00"), new BigDecimal("15.00"));
    assertThat(p.cost(1200, 42, 0, 0, 0)).isEqualByComparingTo("0.00423");
  }
}
