package dev.vigil.rounds.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI backend against a fake {@code claude} executable printing the real envelope. */
class ClaudeCodeBackendTest {
  @TempDir static Path bin;
  @TempDir Path codebase;

  private static Path claude;

  /**
   * Installed once, before any test spawns a process: a process forked while the copy is still
   * open for writing would make executing it fail with ETXTBSY ("text file busy").
   */
  @BeforeAll
  static void installFakeClaude() throws IOException {
    claude = bin.resolve("claude");
    try (InputStream in = ClaudeCodeBackendTest.class.getResourceAsStream("/diagnosis/fake-claude")) {
      Files.copy(in, claude, StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(claude.toFile().setExecutable(true)).isTrue();
  }

  private ClaudeCodeBackend backend(String scenario, Duration timeout) throws IOException {
    Files.writeString(bin.resolve("scenario"), scenario);
    return new ClaudeCodeBackend(
        new ClaudeCodeBackend.Settings(
            claude.toString(), "sonnet", 8, new BigDecimal("2.00"), timeout, 64 * 1024),
        new SystemProcessRunner(),
        new PromptRenderer(32_000));
  }

  private ClaudeCodeBackend backend(String scenario) throws IOException {
    return backend(scenario, Duration.ofSeconds(60));
  }

  @Test
  void theCliGetsTheNodesEnvironmentWithoutCredentialsItHasNoUseFor() throws Exception {
    Files.writeString(bin.resolve("scenario"), "success");
    java.util.Map<String, String> node = new java.util.HashMap<>(System.getenv());
    node.put("GITHUB_TOKEN", "ghp_node_secret");
    node.put("OPENAI_API_KEY", "sk-node-secret");
    node.put("ANTHROPIC_API_KEY", "sk-ant-for-the-cli");
    ClaudeCodeBackend backend = new ClaudeCodeBackend(
        new ClaudeCodeBackend.Settings(
            claude.toString(), "sonnet", 8, new BigDecimal("2.00"), Duration.ofSeconds(60), 64 * 1024),
        new SystemProcessRunner(), ProcessLedger.NONE, new PromptRenderer(32_000), node);

    backend.diagnose(Contexts.context(codebase));

    List<String> env = Files.readAllLines(bin.resolve("env"));
    assertThat(env)
        .contains("ANTHROPIC_API_KEY=sk-ant-for-the-cli", "DISABLE_TELEMETRY=1", "DISABLE_AUTOUPDATER=1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1")
        .noneMatch(line -> line.contains("node_secret") || line.contains("node-secret"));
  }

  @Test
  void successWithTheAnswerInsideResult() throws Exception {
    Diagnosis d = backend("success").diagnose(Contexts.context(codebase));
    assertThat(d.rootCause()).isEqualTo("OrderService.place is called with an empty cart");
    assertThat(d.evidence())
        .containsExactly(
            "OrderService.java:42 throws when items is empty", "span checkout.place has cart.size=0");
    assertThat(d.suggestedFix()).isEqualTo("Reject empty carts in CheckoutController before calling place");
    assertThat(d.confidence()).isEqualTo(Confidence.HIGH);
    assertThat(d.model()).isEqualTo("claude-sonnet-4-5");
    assertThat(d.costUsd()).contains(new BigDecimal("0.00423"));
    assertThat(d.duration()).isPositive();
  }

  @Test
  void runsReadOnlyInTheCodebaseWithThePromptOnStdin() throws Exception {
    backend("success").diagnose(Contexts.context(codebase));
    assertThat(Files.readString(bin.resolve("cwd")).strip())
        .isEqualTo(codebase.toRealPath().toString());
    List<String> args = Files.readAllLines(bin.resolve("args"));
    assertThat(String.join(" ", args))
        .startsWith(
            "-p --output-format json --model sonnet --max-turns 8 --max-budget-usd 2.00"
                + " --allowedTools Read,Grep,Glob"
                + " --disallowedTools Bash,Edit,Write,MultiEdit,NotebookEdit,WebFetch,WebSearch,Task"
                + " --permission-mode dontAsk --no-session-persistence --append-system-prompt");
    assertThat(args.get(args.indexOf("--append-system-prompt") + 1))
        .startsWith("You diagnose production errors");
    assertThat(String.join("\n", args)).contains("\"root_cause\"");
    String stdin = Files.readString(bin.resolve("stdin"));
    assertThat(stdin).contains("cart is empty").contains("```untrusted-telemetry");
  }

  @Test
  void successWithProseAroundTheJson() throws Exception {
    Diagnosis d = backend("prose").diagnose(Contexts.context(codebase));
    assertThat(d.rootCause()).isEqualTo("An empty cart reaches OrderService.place");
    assertThat(d.confidence()).isEqualTo(Confidence.MEDIUM);
    assertThat(d.costUsd()).contains(new BigDecimal("0.0191"));
  }

  @Test
  void isErrorIsAFailureWithItsReason() throws Exception {
    ClaudeCodeBackend b = backend("is_error");
    assertThatThrownBy(() -> b.diagnose(Contexts.context(codebase)))
        .isInstanceOfSatisfying(
            DiagnosisException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.REJECTED);
              assertThat(e.costUsd()).contains(BigDecimal.ZERO);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "claude failed: subtype success, is_error, result: \"Invalid API key · Fix"
                          + " external API key\", API status 401, terminal reason api_error,"
                          + " exit status 1");
            });
  }

  @Test
  void maxTurnsIsAFailureChargedWhatItCost() throws Exception {
    ClaudeCodeBackend b = backend("max_turns");
    assertThatThrownBy(() -> b.diagnose(Contexts.context(codebase)))
        .isInstanceOfSatisfying(
            DiagnosisException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.MODEL_ERROR);
              assertThat(e.costUsd()).contains(new BigDecimal("0.3125"));
              assertThat(e.getMessage())
                  .isEqualTo(
                      "claude failed: subtype error_max_turns, is_error, errors: Reached maximum"
                          + " number of turns (8), terminal reason max_turns, exit status 1");
            });
  }

  @Test
  void nonJsonOutputIsAFailure() throws Exception {
    ClaudeCodeBackend b = backend("not_json");
    assertThatThrownBy(() -> b.diagnose(Contexts.context(codebase)))
        .isInstanceOfSatisfying(
            DiagnosisException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.MALFORMED_ANSWER);
              assertThat(e.costUsd()).isEmpty();
              assertThat(e.getMessage())
                  .isEqualTo(
                      "claude (exit status 1) printed no JSON result envelope: \"Error: Reached"
                          + " max turns (1)\"");
            });
  }

  @Test
  void anAnswerWithoutTheSchemaIsMalformedButCharged() throws Exception {
    ClaudeCodeBackend b = backend("no_answer");
    assertThatThrownBy(() -> b.diagnose(Contexts.context(codebase)))
        .isInstanceOfSatisfying(
            DiagnosisException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.MALFORMED_ANSWER);
              assertThat(e.costUsd()).contains(new BigDecimal("0.05"));
              assertThat(e.getMessage())
                  .isEqualTo(
                      "claude's answer is not a valid diagnosis: no JSON object in the answer:"
                          + " \"I could not find the cause.\"");
            });
  }

  @Test
  void outputPastTheCapKillsTheRun() throws Exception {
    ClaudeCodeBackend b = backend("flood");
    assertThatThrownBy(() -> b.diagnose(Contexts.context(codebase)))
        .isInstanceOfSatisfying(
            DiagnosisException.class,
            e -> assertThat(e.getMessage())
                .isEqualTo("claude wrote more than 65536 bytes on stdout; its process group was killed"));
    long pid = Long.parseLong(Files.readString(bin.resolve("pid")).strip());
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).isEmpty() || !ProcessHandle.of(pid).get().isAlive());
  }

  @Test
  void aHangIsKilledWithItsWholeProcessTree() throws Exception {
    ClaudeCodeBackend b = backend("hang", Duration.ofSeconds(1));
    assertThatThrownBy(() -> b.diagnose(Contexts.context(codebase)))
        .isInstanceOfSatisfying(
            DiagnosisException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.TIMEOUT);
              assertThat(e.getMessage())
                  .isEqualTo("claude did not finish within 1 s; its process group was killed");
            });
    long pid = Long.parseLong(Files.readString(bin.resolve("pid")).strip());
    long child = Long.parseLong(Files.readString(bin.resolve("child.pid")).strip());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)
            && ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
  }

  @Test
  void withoutSetsidTheDescendantsAreKilledToo() throws Exception {
    Files.writeString(bin.resolve("scenario"), "hang");
    ClaudeCodeBackend b =
        new ClaudeCodeBackend(
            new ClaudeCodeBackend.Settings(
                claude.toString(), "sonnet", 8, BigDecimal.ONE, Duration.ofSeconds(1), 4096),
            new SystemProcessRunner(null),
            new PromptRenderer(32_000));
    assertThatThrownBy(() -> b.diagnose(Contexts.context(codebase)))
        .isInstanceOf(DiagnosisException.class);
    long child = Long.parseLong(Files.readString(bin.resolve("child.pid")).strip());
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
  }

  @Test
  void aMissingExecutableIsUnavailable() {
    ClaudeCodeBackend b =
        new ClaudeCodeBackend(
            new ClaudeCodeBackend.Settings(
                bin.resolve("nope").toString(), "sonnet", 8, BigDecimal.ONE, Duration.ofSeconds(5), 4096),
            new SystemProcessRunner(null),
            new PromptRenderer(32_000));
    assertThatThrownBy(() -> b.diagnose(Contexts.context(codebase)))
        .isInstanceOfSatisfying(
            DiagnosisException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.UNAVAILABLE);
              assertThat(e.getMessage()).startsWith("cannot run " + bin.resolve("nope"));
            });
  }

  @Test
  void theRunnerSeamLetsTestsScriptTheEnvelope() throws Exception {
    ProcessRunner scripted =
        request ->
            new ProcessRunner.Result(
                ProcessRunner.Outcome.EXITED, 0,
                ("{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":"
                        + "\"{\\\"root_cause\\\":\\\"r\\\",\\\"evidence\\\":[],\\\"suggested_fix\\\":"
                        + "\\\"f\\\",\\\"confidence\\\":\\\"low\\\"}\",\"cost_usd\":0.5}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                new byte[0], Duration.ofMillis(5));
    ClaudeCodeBackend b =
        new ClaudeCodeBackend(
            new ClaudeCodeBackend.Settings("claude", "opus", 8, BigDecimal.ONE, Duration.ofSeconds(5), 4096),
            scripted, new PromptRenderer(32_000));
    Diagnosis d = b.diagnose(Contexts.context(codebase));
    // no modelUsage: the configured model; the early CLI's cost_usd is read when total_cost_usd is absent
    assertThat(d.model()).isEqualTo("opus");
    assertThat(d.costUsd()).isEqualTo(Optional.of(new BigDecimal("0.5")));
    assertThat(d.duration()).isEqualTo(Duration.ofMillis(5));
  }
}
