package dev.vigil.rounds.diagnosis;

import com.typesafe.config.ConfigObject;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Builds the configured {@link DiagnosisBackend} from {@code vigil.rounds.diagnosis} and
 * {@code vigil.rounds.budget}, validating every value (a
 * {@link com.typesafe.config.ConfigException} names the key, the value and why). Nothing starts
 * here: it is safe for {@code vigil validate}.
 */
public final class DiagnosisFactory {

  /** The backend names {@code DIAGNOSIS_BACKEND} accepts. */
  public static final Set<String> BACKENDS = Set.of("evidence", "claude_code", "anthropic", "openai");

  private static final String D = "vigil.rounds.diagnosis.";
  private static final String B = "vigil.rounds.budget.";

  private DiagnosisFactory() {}

  /**
   * The budget settings.
   *
   * @param dailyLimitUsd the day's limit; zero disables model calls
   * @param perCallUsd the cap reserved per model call
   * @param zone where the budget day ends at midnight
   */
  public record BudgetSettings(BigDecimal dailyLimitUsd, BigDecimal perCallUsd, ZoneId zone) {}

  /** Reads and checks {@code vigil.rounds.budget}. */
  public static BudgetSettings budget(com.typesafe.config.Config config) {
    ConfigChecks c = new ConfigChecks(config);
    BudgetSettings b = budget(c);
    c.throwIfAny();
    return b;
  }

  private static BudgetSettings budget(ConfigChecks c) {
    BigDecimal limit = c.decimal(B + "daily-limit-usd", BigDecimal.ZERO);
    BigDecimal perCall = c.decimal(B + "per-call-usd", new BigDecimal("0.01"));
    ZoneId zone = ZoneId.of("UTC");
    try {
      zone = ZoneId.of(c.string(B + "time-zone").strip());
    } catch (DateTimeException e) {
      c.problem(B + "time-zone", "must be a time zone id such as UTC or Europe/Paris");
    }
    return new BudgetSettings(limit, perCall, zone);
  }

  /**
   * The configured backend; a backend that calls a model is wrapped in a {@link BudgetedBackend}
   * charging {@code budget}.
   *
   * @param workingDir the node's working directory (the default codebase path, and what a
   *     relative one resolves against)
   */
  public static DiagnosisBackend create(
      com.typesafe.config.Config config, Path workingDir, BudgetGate budget, Clock clock) {
    return create(config, workingDir, budget, ProcessLedger.NONE, clock);
  }

  /**
   * The configured backend, as {@link #create(com.typesafe.config.Config, Path, BudgetGate,
   * Clock)}; the {@code claude_code} backend records each process it starts in {@code processes}
   * while it runs.
   */
  public static DiagnosisBackend create(
      com.typesafe.config.Config config, Path workingDir, BudgetGate budget, ProcessLedger processes,
      Clock clock) {
    return create(config, workingDir, budget, clock, new SystemProcessRunner(), processes,
        HttpClient.newHttpClient(), d -> Thread.sleep(d));
  }

  static DiagnosisBackend create(
      com.typesafe.config.Config config, Path workingDir, BudgetGate budget, Clock clock,
      ProcessRunner runner, HttpClient http, HttpModelClient.Sleeper sleeper) {
    return create(config, workingDir, budget, clock, runner, ProcessLedger.NONE, http, sleeper);
  }

  static DiagnosisBackend create(
      com.typesafe.config.Config config, Path workingDir, BudgetGate budget, Clock clock,
      ProcessRunner runner, ProcessLedger processes, HttpClient http, HttpModelClient.Sleeper sleeper) {
    ConfigChecks c = new ConfigChecks(config);
    String name = c.oneOf(D + "backend", BACKENDS);
    codebasePath(c, workingDir);
    int maxPrompt = c.integer(D + "max-prompt-chars", PromptRenderer.MIN_CHARS, 2_000_000);
    BudgetSettings b = budget(c);
    PriceTable prices = prices(c);
    DiagnosisBackend backend =
        switch (name) {
          case "claude_code" -> {
            String p = D + "claude-code.";
            ClaudeCodeBackend.Settings s = new ClaudeCodeBackend.Settings(
                c.required(p + "executable", "must name the claude program"),
                c.required(p + "model", "must name a model"),
                c.integer(p + "max-turns", 1, 1000),
                b.perCallUsd(),
                Duration.ofSeconds(c.integer(p + "timeout-seconds", 1, 86_400)),
                c.integer(p + "max-output-bytes", 1024, 1 << 30));
            c.throwIfAny();
            yield new ClaudeCodeBackend(s, runner, processes, new PromptRenderer(maxPrompt));
          }
          case "anthropic" -> {
            String p = D + "anthropic.";
            AnthropicBackend.Settings s = new AnthropicBackend.Settings(
                c.url(p + "base-url"),
                c.required(p + "api-key", "ANTHROPIC_API_KEY is needed for the anthropic backend"),
                c.required(p + "model", "must name a model"),
                c.integer(p + "max-tokens", 256, 1_000_000));
            HttpModelClient.Retry retry = retry(c);
            c.throwIfAny();
            yield new AnthropicBackend(s, http, retry, sleeper, prices, new PromptRenderer(maxPrompt), clock);
          }
          case "openai" -> {
            String p = D + "openai.";
            OpenAiBackend.Settings s = new OpenAiBackend.Settings(
                c.url(p + "base-url"),
                c.string(p + "api-key").strip(),
                c.required(p + "model", "must name a model"),
                c.integer(p + "max-tokens", 256, 1_000_000),
                c.oneOf(p + "max-tokens-parameter", Set.of("max_completion_tokens", "max_tokens")),
                c.bool(p + "json-mode"));
            HttpModelClient.Retry retry = retry(c);
            c.throwIfAny();
            yield new OpenAiBackend(s, http, retry, sleeper, prices, new PromptRenderer(maxPrompt), clock);
          }
          default -> {
            c.throwIfAny();
            yield new EvidenceBackend(clock);
          }
        };
    return backend.callsModel() ? new BudgetedBackend(backend, budget, b.perCallUsd()) : backend;
  }

  /** The codebase path: {@code CODEBASE_PATH} resolved against the working directory. */
  public static Path codebasePath(com.typesafe.config.Config config, Path workingDir) {
    ConfigChecks c = new ConfigChecks(config);
    Path p = codebasePath(c, workingDir);
    c.throwIfAny();
    return p;
  }

  private static Path codebasePath(ConfigChecks c, Path workingDir) {
    String raw = c.string(D + "codebase-path").strip();
    Path p = raw.isEmpty() ? workingDir : workingDir.resolve(raw).normalize();
    if (!Files.isDirectory(p)) {
      c.problem(D + "codebase-path", "is not a directory (resolved to " + p + ")");
    }
    return p;
  }

  private static HttpModelClient.Retry retry(ConfigChecks c) {
    String p = D + "http.";
    return new HttpModelClient.Retry(
        c.integer(p + "max-retries", 0, 20),
        Duration.ofSeconds(c.integer(p + "backoff-base-seconds", 0, 3600)),
        Duration.ofSeconds(c.integer(p + "max-retry-wait-seconds", 0, 86_400)),
        Duration.ofSeconds(c.integer(p + "timeout-seconds", 1, 86_400)));
  }

  private static PriceTable prices(ConfigChecks c) {
    Map<String, PriceTable.Price> table = new HashMap<>();
    for (String section : new String[] {"default-prices", "prices"}) {
      ConfigObject obj;
      try {
        obj = c.config().getObject(D + section);
      } catch (com.typesafe.config.ConfigException e) {
        c.problem(D + section, "must be an object of model names to prices");
        continue;
      }
      for (String model : obj.keySet()) {
        String p = D + section + "." + com.typesafe.config.ConfigUtil.quoteString(model) + ".";
        BigDecimal in = c.decimal(p + "input", BigDecimal.ZERO);
        BigDecimal out = c.decimal(p + "output", BigDecimal.ZERO);
        PriceTable.Price base = PriceTable.Price.of(in, out);
        BigDecimal write = c.config().hasPath(p + "cache-write") ? c.decimal(p + "cache-write", BigDecimal.ZERO) : base.cacheWrite();
        BigDecimal read = c.config().hasPath(p + "cache-read") ? c.decimal(p + "cache-read", BigDecimal.ZERO) : base.cacheRead();
        table.put(model, new PriceTable.Price(in, out, write, read));
      }
    }
    return new PriceTable(table);
  }
}
