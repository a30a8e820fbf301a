package dev.vigil.rounds.diagnosis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Diagnoses with the Claude Code CLI run non-interactively ({@code claude -p}), as the wire
 * reference describes: the prompt on stdin, the codebase as working directory, JSON output, a
 * turn limit and the per-call budget, read-only tools only ({@code Read}, {@code Grep},
 * {@code Glob}; writing and running tools denied), the answer schema in an appended system
 * prompt.
 *
 * <p>stdout is one result envelope: the answer text is its {@code result}; {@code is_error} (which
 * can come with subtype {@code success}) and the {@code error_*} subtypes are failures with their
 * reason; {@code total_cost_usd} is the cost, charged for failures too.
 *
 * <p>The CLI runs with the node's environment minus the credentials it has no use for ({@link
 * ChildEnvironment}): its read tool can read {@code /proc/self/environ}.
 */
public final class ClaudeCodeBackend implements DiagnosisBackend {

  /** Tools the agent may use: reading only. */
  static final String ALLOWED_TOOLS = "Read,Grep,Glob";

  /** Tools denied outright (deny wins over allow), so telemetry cannot make the agent act. */
  static final String DISALLOWED_TOOLS =
      "Bash,Edit,Write,MultiEdit,NotebookEdit,WebFetch,WebSearch,Task";

  private static final int MAX_STDERR_BYTES = 64 * 1024;

  /**
   * How to run the CLI.
   *
   * @param executable the {@code claude} program (a name looked up on PATH, or a path)
   * @param model the {@code --model} value (an alias such as {@code sonnet}, or a full id)
   * @param maxTurns the {@code --max-turns} value
   * @param budgetUsd the per-call cap, passed as {@code --max-budget-usd}
   * @param timeout how long one run may take before its process group is killed
   * @param maxOutputBytes stdout past this kills the run
   */
  public record Settings(
      String executable,
      String model,
      int maxTurns,
      BigDecimal budgetUsd,
      Duration timeout,
      int maxOutputBytes) {
    /** Checks the values. */
    public Settings {
      Objects.requireNonNull(executable, "executable");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(budgetUsd, "budgetUsd");
      Objects.requireNonNull(timeout, "timeout");
      if (maxTurns < 1 || maxOutputBytes < 1024) {
        throw new IllegalArgumentException("maxTurns >= 1 and maxOutputBytes >= 1024 required");
      }
    }
  }

  private final Settings settings;
  private final ProcessRunner runner;
  private final ProcessLedger processes;
  private final PromptRenderer prompts;
  private final AnswerParser parser;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, String> environment;

  /** A backend running the CLI through {@code runner}, recording its processes nowhere. */
  public ClaudeCodeBackend(Settings settings, ProcessRunner runner, PromptRenderer prompts) {
    this(settings, runner, ProcessLedger.NONE, prompts);
  }

  /**
   * A backend running the CLI through {@code runner}, each run recorded in {@code processes}
   * while it runs (with the call's budget reservation).
   */
  public ClaudeCodeBackend(
      Settings settings, ProcessRunner runner, ProcessLedger processes, PromptRenderer prompts) {
    this(settings, runner, processes, prompts, System.getenv());
  }

  /** As above, the CLI's environment made from {@code inherited} (the node's) instead. */
  ClaudeCodeBackend(
      Settings settings, ProcessRunner runner, ProcessLedger processes, PromptRenderer prompts,
      Map<String, String> inherited) {
    Map<String, String> env = new java.util.TreeMap<>(ChildEnvironment.withoutForeignCredentials(inherited));
    env.put("DISABLE_AUTOUPDATER", "1");
    env.put("DISABLE_TELEMETRY", "1");
    env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
    this.environment = Map.copyOf(env);
    this.settings = Objects.requireNonNull(settings, "settings");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.processes = Objects.requireNonNull(processes, "processes");
    this.prompts = Objects.requireNonNull(prompts, "prompts");
    this.parser = new AnswerParser(json);
  }

  @Override
  public String name() {
    return "claude_code";
  }

  @Override
  public boolean callsModel() {
    return true;
  }

  /** The command line, without the prompt (it goes on stdin). */
  List<String> command() {
    return List.of(
        settings.executable(),
        "-p",
        "--output-format", "json",
        "--model", settings.model(),
        "--max-turns", Integer.toString(settings.maxTurns()),
        "--max-budget-usd", settings.budgetUsd().toPlainString(),
        "--allowedTools", ALLOWED_TOOLS,
        "--disallowedTools", DISALLOWED_TOOLS,
        "--permission-mode", "dontAsk",
        "--no-session-persistence",
        "--append-system-prompt", PromptRenderer.ANSWER_INSTRUCTIONS);
  }

  @Override
  public Diagnosis diagnose(InvestigationContext context)
      throws DiagnosisException, InterruptedException {
    return diagnose(context, null);
  }

  @Override
  public Diagnosis diagnose(InvestigationContext context, BudgetGate.Reservation reservation)
      throws DiagnosisException, InterruptedException {
    String prompt = prompts.render(context);
    Path cwd = context.codebasePath();
    ProcessRunner.Result run;
    try {
      run =
          runner.run(
              new ProcessRunner.Request(
                  command(),
                  cwd,
                  environment,
                  prompt.getBytes(StandardCharsets.UTF_8),
                  settings.timeout(),
                  settings.maxOutputBytes(),
                  MAX_STDERR_BYTES,
                  started -> processes.record(started, reservation)));
    } catch (IOException e) {
      throw new DiagnosisException(
          DiagnosisException.Kind.UNAVAILABLE,
          "cannot run " + settings.executable() + " in " + cwd + ": " + e.getMessage(),
          null, null, e);
    }
    return interpret(run);
  }

  /** Turns what the CLI printed into a diagnosis or a failure with its reason. */
  Diagnosis interpret(ProcessRunner.Result run) throws DiagnosisException {
    String stderr = AnswerParser.excerpt(new String(run.stderr(), StandardCharsets.UTF_8));
    switch (run.outcome()) {
      case TIMED_OUT ->
          throw new DiagnosisException(
              DiagnosisException.Kind.TIMEOUT,
              "claude did not finish within " + settings.timeout().toSeconds()
                  + " s; its process group was killed");
      case OUTPUT_OVERFLOW ->
          throw new DiagnosisException(
              DiagnosisException.Kind.UNAVAILABLE,
              "claude wrote more than " + settings.maxOutputBytes()
                  + " bytes on stdout; its process group was killed");
      case EXITED -> {}
    }
    String stdout = new String(run.stdout(), StandardCharsets.UTF_8);
    JsonNode envelope = envelope(stdout);
    if (envelope == null) {
      if (stdout.isBlank()) {
        throw new DiagnosisException(
            DiagnosisException.Kind.UNAVAILABLE,
            "claude exited with status " + run.exitCode() + " and printed nothing on stdout"
                + (stderr.isEmpty() ? "" : "; stderr: " + stderr));
      }
      throw new DiagnosisException(
          DiagnosisException.Kind.MALFORMED_ANSWER,
          "claude (exit status " + run.exitCode() + ") printed no JSON result envelope: \""
              + AnswerParser.excerpt(stdout) + "\"");
    }
    BigDecimal cost = cost(envelope);
    String subtype = envelope.path("subtype").asText("");
    boolean isError = envelope.path("is_error").asBoolean(false);
    if (isError || !subtype.equals("success")) {
      throw new DiagnosisException(failureKind(envelope), failureReason(envelope, run), cost, null, null);
    }
    JsonNode result = envelope.get("result");
    if (result == null || !result.isTextual()) {
      throw new DiagnosisException(
          DiagnosisException.Kind.MALFORMED_ANSWER,
          "claude's result envelope has no result text", cost, null, null);
    }
    Answer answer;
    try {
      answer = parser.parse(result.asText());
    } catch (AnswerParser.MalformedAnswerException e) {
      throw new DiagnosisException(
          DiagnosisException.Kind.MALFORMED_ANSWER,
          "claude's answer is not a valid diagnosis: " + e.getMessage(), cost, null, e);
    }
    return Diagnosis.of(answer, model(envelope), Optional.ofNullable(cost), run.duration());
  }

  private JsonNode envelope(String stdout) {
    String text = stdout.strip();
    List<String> candidates = new ArrayList<>();
    candidates.add(text);
    // stderr-style noise before the object, or stream-json lines: the result is the last line
    List<String> lines = text.lines().filter(l -> l.startsWith("{")).toList();
    if (!lines.isEmpty()) {
      candidates.add(lines.get(lines.size() - 1));
    }
    for (String c : candidates) {
      if (!c.startsWith("{")) {
        continue;
      }
      try {
        JsonNode node = json.readTree(c);
        if (node != null && node.isObject() && node.path("type").asText("").equals("result")) {
          return node;
        }
      } catch (IOException e) {
        // try the next candidate
      }
    }
    return null;
  }

  private static BigDecimal cost(JsonNode envelope) {
    JsonNode c = envelope.get("total_cost_usd");
    if (c == null || !c.isNumber()) {
      c = envelope.get("cost_usd"); // said to be the name in early CLI versions
    }
    return c != null && c.isNumber() && c.decimalValue().signum() >= 0 ? c.decimalValue() : null;
  }

  private String model(JsonNode envelope) {
    Iterator<String> models = envelope.path("modelUsage").fieldNames();
    return models.hasNext() ? models.next() : settings.model();
  }

  private static DiagnosisException.Kind failureKind(JsonNode envelope) {
    int status = envelope.path("api_error_status").asInt(0);
    String result = envelope.path("result").asText("");
    if (status == 401 || status == 403 || result.startsWith("Not logged in")) {
      return DiagnosisException.Kind.REJECTED;
    }
    if (status == 429 || status == 529) {
      return DiagnosisException.Kind.RATE_LIMITED;
    }
    if (status >= 500) {
      return DiagnosisException.Kind.UNAVAILABLE;
    }
    return DiagnosisException.Kind.MODEL_ERROR;
  }

  private static String failureReason(JsonNode envelope, ProcessRunner.Result run) {
    StringBuilder b = new StringBuilder("claude failed: subtype ");
    b.append(envelope.path("subtype").asText("?"));
    if (envelope.path("is_error").asBoolean(false)) {
      b.append(", is_error");
    }
    List<String> errors = new ArrayList<>();
    envelope.path("errors").forEach(e -> errors.add(e.asText()));
    if (!errors.isEmpty()) {
      b.append(", errors: ").append(String.join("; ", errors));
    }
    String result = envelope.path("result").asText("");
    if (!result.isBlank()) {
      b.append(", result: \"").append(AnswerParser.excerpt(result)).append('"');
    }
    if (envelope.hasNonNull("api_error_status")) {
      b.append(", API status ").append(envelope.get("api_error_status").asText());
    }
    if (envelope.hasNonNull("terminal_reason")) {
      b.append(", terminal reason ").append(envelope.get("terminal_reason").asText());
    }
    b.append(", exit status ").append(run.exitCode());
    return b.toString();
  }
}
