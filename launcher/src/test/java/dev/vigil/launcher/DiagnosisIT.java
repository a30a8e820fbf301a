package dev.vigil.launcher;

import static dev.vigil.launcher.VigilProcesses.finish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.launcher.VigilProcesses.Run;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The diagnosis half of rounds end to end, as a user runs it: the built {@code vigil.jar} started
 * with {@code --all}, an application exporting the same exception three times with the
 * OpenTelemetry Java SDK, the {@code DIAGNOSIS} daemon investigating the new signature as soon as
 * it crosses the threshold (the sweep interval is an hour, so a sweep cannot be what did it), the
 * markdown report and a GitHub issue (a local fake GitHub answering as wire-formats 7 says), and
 * the {@code vigil signatures} CLI (its own process) showing the diagnosis and its cost. Once with
 * the embedded default (the evidence backend) and once with {@code claude_code} running the fake
 * {@code claude} of the rounds module's tests. And crash recovery: a node killed with {@code kill
 * -9} during a hung {@code claude}, then restarted.
 */
class DiagnosisIT {
  private static final Path FAKE_CLAUDE = VigilProcesses.HOME.resolve("daemons/rounds/src/test/resources/diagnosis/fake-claude");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration NODE_START = Duration.ofSeconds(60);
  private static final Duration DIAGNOSED = Duration.ofSeconds(90);
  private static final String TOKEN = "ghp_diagnosisIT";

  @TempDir Path stateDir;
  @TempDir Path work;
  private final List<Process> nodes = new ArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private int starts;

  @AfterEach
  void cleanUp() throws Exception {
    nodes.forEach(Process::destroyForcibly);
    for (Process node : nodes) {
      node.waitFor(30, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  // ---- the embedded default: the evidence backend, markdown and GitHub

  @Test
  void threeThrowsAreDiagnosedAtOnceByTheEvidenceBackendReportedInMarkdownAndOneGithubIssue() throws Exception {
    FakeGithub github = new FakeGithub("acme", "shop");
    closing.add(github);
    Path reports = Files.createDirectories(work.resolve("reports"));
    Map<String, String> env = new HashMap<>(notifying(github, reports));
    env.put("DIAGNOSIS_INTERVAL_SECONDS", "3600"); // no sweep during the test: the event must do it
    // the alert cooldown is kept in the store and shared with the CLI: without this, the CLI's
    // recurrence and second diagnosis below would be held back by the node's first alert
    env.put("NOTIFICATION_COOLDOWN_MINUTES", "0");
    startNode(env, "--all");

    Exporter app = exporter("checkout");
    Set<String> traces = new LinkedHashSet<>();
    for (int i = 0; i < 3; i++) {
      traces.add(app.fail(4000 + 17 * i));
    }
    app.flush();

    JsonNode signature = awaitDiagnosed("checkout");
    long id = signature.path("id").asLong();
    assertThat(signature.path("occurrence_count").asLong()).isEqualTo(3);
    JsonNode diagnosis = signature.path("diagnosis");
    assertThat(diagnosis.path("backend").asText()).isEqualTo("evidence");
    assertThat(diagnosis.path("confidence").asText()).isEqualTo("low");
    assertThat(diagnosis.path("model").asText()).isEqualTo("none");
    assertThat(diagnosis.path("cost_usd").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);
    assertThat(diagnosis.path("occurrence_count").asLong()).isEqualTo(3);

    // vigil signatures show: the diagnosis, its cost, and the evidence the SDK's export carried
    JsonNode shown = JSON.readTree(cliOk("signatures", "show", Long.toString(id), "--json").out());
    JsonNode latest = shown.path("diagnosis");
    assertThat(latest.path("confidence").asText()).isEqualTo("low");
    assertThat(latest.path("model").asText()).isEqualTo("none");
    assertThat(latest.path("cost_usd").isNumber()).as(latest.toString()).isTrue();
    assertThat(latest.path("cost_usd").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);
    assertThat(latest.path("root_cause").asText()).contains("checkout").contains("DiagnosisIT::placeOrder");
    assertThat(latest.path("evidence").toString())
        .as("the evidence names the traces the SDK exported")
        .contains(traces.iterator().next())
        .contains("DiagnosisIT::placeOrder");
    assertThat(shown.path("diagnoses")).hasSize(1);
    assertThat(shown.path("investigation").path("needs_human").asBoolean()).isFalse();

    // the markdown report, under NOTIFICATION_OUTPUT_DIR/YYYY-MM-DD/
    Path report = awaitReport(reports, id);
    String md = Files.readString(report);
    assertThat(report.getParent().getFileName().toString()).matches("\\d{4}-\\d{2}-\\d{2}");
    assertThat(md)
        .contains("java.lang.IllegalStateException")
        .contains("**Service:** checkout")
        .contains("**Confidence:** low")
        .contains("**Model:** none, cost 0 USD")
        .contains("## Root cause")
        .contains("## Suggested fix");
    assertThat(Files.readString(reports.resolve("index.md"))).contains("checkout");

    // one GitHub issue, labelled with the signature's fingerprint label
    await().atMost(DIAGNOSED).until(() -> github.created().size() == 1);
    JsonNode issue = github.created().get(0);
    assertThat(issue.path("title").asText()).startsWith("[vigil]").contains("checkout");
    assertThat(issue.path("body").asText()).contains("**Confidence:** low");
    List<String> labels = new ArrayList<>();
    issue.path("labels").forEach(l -> labels.add(l.asText()));
    assertThat(labels).contains("auto-diagnosis").anyMatch(l -> l.matches("vigil-fp-[0-9a-f]+"));

    // a fourth occurrence later: counted, and no second issue. A sweep now (vigil investigate)
    // finds nothing due (the cooldown) but tells the recurrence, and a second diagnosis of the
    // same signature (vigil diagnose-signature) finds the issue again by its label and comments on it.
    app.fail(4999);
    app.flush();
    JsonNode after = only(signatures("checkout"));
    assertThat(after.path("occurrence_count").asLong()).isEqualTo(4);
    JsonNode sweep = JSON.readTree(cliOk("investigate", "--json").out());
    assertThat(sweep.path("started").asInt()).as(sweep.toString()).isZero();
    Run again = cliOk("diagnose-signature", Long.toString(id));
    JsonNode second = JSON.readTree(again.out());
    assertThat(second.path("outcome").asText()).isEqualTo("diagnosed");
    assertThat(second.path("diagnosis").path("occurrence_count").asLong()).isEqualTo(4);
    // the CLI notifies before it exits: what GitHub got is all there is
    assertThat(github.created()).as("the signature's issue is opened exactly once").hasSize(1);
    assertThat(github.comments()).as("the recurrence and the second diagnosis are comments on it").hasSize(2);
    assertThat(github.comments()).allSatisfy(
        c -> assertThat(c.path("issue").asLong()).isEqualTo(issue.path("number").asLong()));
    assertThat(github.comments().get(0).path("body").asText())
        .startsWith("Seen again: **4** occurrences in all, 1 since the last notice (3).");
    assertThat(github.comments().get(1).path("body").asText()).startsWith("New diagnosis:");
    assertThat(github.badRequests()).as("every request GitHub got was well-formed: " + github.bad).isEmpty();
    JsonNode twice = JSON.readTree(cliOk("signatures", "show", Long.toString(id), "--json").out());
    assertThat(twice.path("diagnoses")).hasSize(2);
  }

  // ---- claude_code: the fake claude prints the CLI's result envelope

  @Test
  void withClaudeCodeTheDiagnosisCostsTheEnvelopesTotalCostAndTheBudgetIsSpent() throws Exception {
    Path bin = Files.createDirectories(work.resolve("bin"));
    Path claude = bin.resolve("claude");
    Files.copy(FAKE_CLAUDE, claude);
    Files.setPosixFilePermissions(claude, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(bin.resolve("scenario"), "success\n");
    Path codebase = Files.createDirectories(work.resolve("shop-src"));
    Path reports = Files.createDirectories(work.resolve("reports"));
    Map<String, String> env = new HashMap<>();
    env.put("DIAGNOSIS_BACKEND", "claude_code");
    env.put("CLAUDE_PATH", claude.toString());
    env.put("CODEBASE_PATH", codebase.toString());
    env.put("DIAGNOSIS_INTERVAL_SECONDS", "3600");
    env.put("DAILY_BUDGET_LIMIT", "5.00");
    env.put("CLAUDE_CODE_BUDGET_USD", "1.50");
    env.put("NOTIFICATION_BACKEND", "markdown");
    env.put("NOTIFICATION_OUTPUT_DIR", reports.toString());
    startNode(env, "--all");

    Exporter app = exporter("checkout");
    for (int i = 0; i < 3; i++) {
      app.fail(4000 + 17 * i);
    }
    app.flush();

    JsonNode signature = awaitDiagnosed("checkout");
    JsonNode diagnosis = signature.path("diagnosis");
    assertThat(diagnosis.path("backend").asText()).isEqualTo("claude_code");
    assertThat(diagnosis.path("confidence").asText()).isEqualTo("high");
    assertThat(diagnosis.path("root_cause").asText()).isEqualTo("OrderService.place is called with an empty cart");
    assertThat(diagnosis.path("cost_usd").decimalValue())
        .as("the envelope's total_cost_usd")
        .isEqualByComparingTo(new BigDecimal("0.00423"));

    long id = signature.path("id").asLong();
    JsonNode shown = JSON.readTree(cliOk("signatures", "show", Long.toString(id), "--json").out());
    assertThat(shown.path("diagnosis").path("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.00423"));
    assertThat(shown.path("diagnosis").path("suggested_fix").asText()).contains("Reject empty carts");
    Path report = awaitReport(reports, id);
    assertThat(Files.readString(report)).contains("**Confidence:** high").contains("cost 0.00423 USD");

    // the CLI ran as wire-formats 8 says: in the codebase, the model, the per-call cap, the prompt on stdin
    assertThat(Files.readString(bin.resolve("cwd")).strip()).isEqualTo(codebase.toRealPath().toString());
    List<String> args = Files.readAllLines(bin.resolve("args"));
    assertThat(args).contains("-p", "--output-format", "json", "--model", "sonnet", "--max-budget-usd", "1.50");
    assertThat(Files.readString(bin.resolve("stdin"))).contains("IllegalStateException").contains("checkout");

    // the budget: spent today is the reported cost (the 1.50 reservation settled to it)
    await()
        .atMost(DIAGNOSED)
        .untilAsserted(
            () -> {
              Map<String, Double> metrics = metrics();
              assertThat(metrics.get("vigil_rounds_budget_spent_usd")).as(metrics.toString()).isEqualTo(0.00423);
              assertThat(metrics.get("vigil_rounds_budget_reserved_usd")).isEqualTo(0.0);
              assertThat(metrics.get("vigil_rounds_budget_limit_usd")).isEqualTo(5.0);
              assertThat(metrics.get("vigil_rounds_budget_remaining_usd")).isCloseTo(5.0 - 0.00423, within(1e-9));
              assertThat(metrics.get("vigil_rounds_diagnoses_total{outcome=\"diagnosed\"}")).isEqualTo(1.0);
            });
    // and in vigil --status --json: the DIAGNOSIS daemon's health (checked every 30 s) carries it
    await()
        .atMost(DIAGNOSED)
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              Run status = cli("--status", "--json");
              assertThat(status.exit()).as(status.err()).isZero();
              JsonNode daemon = null;
              for (JsonNode d : JSON.readTree(status.out()).path("daemons")) {
                if (d.path("name").asText().equals("DIAGNOSIS")) {
                  daemon = d;
                }
              }
              assertThat(daemon).as(status.out()).isNotNull();
              JsonNode health = daemon.path("health");
              assertThat(health.path("status").asText()).isEqualTo("healthy");
              assertThat(health.path("details").path("backend").asText()).isEqualTo("claude_code");
              assertThat(new BigDecimal(health.path("details").path("budget_spent_today_usd").asText()))
                  .isEqualByComparingTo("0.00423");
              assertThat(new BigDecimal(health.path("details").path("budget_remaining_usd").asText()))
                  .isEqualByComparingTo("4.99577");
            });
  }

  // ---- crash recovery: kill -9 during an investigation, then a restart

  @Test
  void aNodeKilledDuringAnInvestigationLeavesAGroupTheRestartKillsAndTheSignatureIsDiagnosedOnceAfterTheLease()
      throws Exception {
    Path bin = Files.createDirectories(work.resolve("bin"));
    Path claude = bin.resolve("claude");
    Files.copy(FAKE_CLAUDE, claude);
    Files.setPosixFilePermissions(claude, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(bin.resolve("scenario"), "hang_once\n");
    Path codebase = Files.createDirectories(work.resolve("shop-src"));
    Map<String, String> env = new HashMap<>();
    env.put("DIAGNOSIS_BACKEND", "claude_code");
    env.put("CLAUDE_PATH", claude.toString());
    env.put("CODEBASE_PATH", codebase.toString());
    env.put("DIAGNOSIS_INTERVAL_SECONDS", "1");
    env.put("DIAGNOSIS_LEASE_MINUTES", "0.25"); // 15 s
    env.put("CLAUDE_CODE_TIMEOUT_SECONDS", "10"); // shorter than the lease; the node is killed long before
    env.put("DAILY_BUDGET_LIMIT", "5.00");
    env.put("CLAUDE_CODE_BUDGET_USD", "1.50");
    env.put("NOTIFICATION_BACKEND", "");
    Process first = startNode(env, "--all");

    Exporter app = exporter("checkout");
    for (int i = 0; i < 3; i++) {
      app.fail(4000 + 17 * i);
    }
    app.flush();

    // the first claude hangs with a child; the node dies under it, the group lives on
    Path hung = bin.resolve("hung");
    await().atMost(DIAGNOSED).until(() -> Files.isRegularFile(hung.resolve("pid")) && Files.isRegularFile(bin.resolve("child.pid"))
        && !Files.readString(bin.resolve("child.pid")).isBlank());
    long leader = Long.parseLong(Files.readString(hung.resolve("pid")).strip());
    long child = Long.parseLong(Files.readString(bin.resolve("child.pid")).strip());
    try (Ledger ledger = new Ledger()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> ledger.processes().size() == 1);
      assertThat(ledger.processes().get(0)).as("the model process is recorded while it runs").contains("pid=" + leader);
    }
    first.destroyForcibly(); // kill -9
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(alive(leader) && alive(child)).as("the claude group survives its node").isTrue();

    Process second = restartNode(env, "--all");

    // the restart kills the left-over group, leader and child, and settles its reservation as expired
    await().atMost(Duration.ofSeconds(30)).until(() -> !alive(leader) && !alive(child));
    await().atMost(Duration.ofSeconds(10)).until(() -> log(starts).contains("killed the left-over model process group " + leader));
    assertThat(log(starts)).contains("its budget reservation").contains("expired, charged its cap 1.50 USD");
    try (Ledger ledger = new Ledger()) {
      List<String> rows = ledger.budget();
      assertThat(rows).as("the hung call's reservation").hasSize(1);
      assertThat(rows.get(0)).contains("state=expired").contains("actual=1500000").contains("closed_before_its_expiry=true");
      assertThat(ledger.processes()).isEmpty();
    }
    // after the lease, the signature is investigated again, exactly once
    JsonNode signature = awaitDiagnosed("checkout");
    assertThat(second.isAlive()).isTrue();
    assertThat(signature.path("diagnosis").path("backend").asText()).isEqualTo("claude_code");
    assertThat(signature.path("diagnosis").path("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.00423"));
    long id = signature.path("id").asLong();
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .until(() -> Files.readAllLines(bin.resolve("invocations")).size() == 2);
    List<String> runs = Files.readAllLines(bin.resolve("invocations"));
    long firstRunAt = Long.parseLong(runs.get(0).split(" ")[1]);
    long secondRunAt = Long.parseLong(runs.get(1).split(" ")[1]);
    // the lease was taken just before the first run started, and ends 15 s after
    assertThat(secondRunAt - firstRunAt).as("the second run waited for the lease").isGreaterThanOrEqualTo(13_000);
    JsonNode shown = JSON.readTree(cliOk("signatures", "show", Long.toString(id), "--json").out());
    assertThat(shown.path("diagnoses")).as("diagnosed exactly once").hasSize(1);
    try (Ledger ledger = new Ledger()) {
      assertThat(ledger.audit(id)).anyMatch(r -> r.contains("new -> investigating") && r.contains("expired"));
    }
    await()
        .atMost(DIAGNOSED)
        .untilAsserted(
            () -> {
              Map<String, Double> metrics = metrics();
              assertThat(metrics.get("vigil_rounds_budget_spent_usd")).as(metrics.toString()).isCloseTo(1.50423, within(1e-9));
              assertThat(metrics.get("vigil_rounds_budget_reserved_usd")).isEqualTo(0.0);
              assertThat(metrics.get("vigil_rounds_diagnoses_total{outcome=\"diagnosed\"}")).isEqualTo(1.0);
            });
  }

  /** Whether process {@code pid} runs (a zombie waiting for its parent to reap it does not). */
  private static boolean alive(long pid) throws IOException {
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
    try {
      String s = Files.readString(stat);
      return !s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false; // gone while read
    }
  }

  /** The node's store read directly (read-only), for what no command shows: the ledger's rows. */
  private final class Ledger implements AutoCloseable {
    private final java.sql.Connection c;

    Ledger() throws java.sql.SQLException {
      org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
      config.setReadOnly(true);
      config.setBusyTimeout(10_000);
      c = config.createConnection("jdbc:sqlite:" + stateDir.resolve("rounds.db"));
    }

    List<String> budget() throws java.sql.SQLException {
      return rows("SELECT 'state=' || state || ' actual=' || coalesce(actual_micros, '') || ' closed_before_its_expiry='"
          + " || CASE WHEN closed_at < expires_at THEN 'true' ELSE 'false' END FROM budget_ledger ORDER BY id");
    }

    List<String> processes() throws java.sql.SQLException {
      return rows("SELECT 'pid=' || pid || ' owner=' || owner FROM model_processes ORDER BY id");
    }

    List<String> audit(long id) throws java.sql.SQLException {
      return rows("SELECT coalesce(from_status, '') || ' -> ' || to_status || ': ' || reason FROM audit_log WHERE signature_id = "
          + id + " ORDER BY id");
    }

    private List<String> rows(String sql) throws java.sql.SQLException {
      List<String> out = new ArrayList<>();
      try (java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }

    @Override
    public void close() throws java.sql.SQLException {
      c.close();
    }
  }

  // ---- the application: the OpenTelemetry SDK exporting to the node's receiver

  /** An instrumented service exporting spans over OTLP/HTTP to the node. */
  private final class Exporter {
    private final SdkTracerProvider tracing;
    private final Tracer tracer;

    Exporter(URI otlp, String service) {
      Resource resource =
          Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service)));
      tracing =
          SdkTracerProvider.builder()
              .setResource(resource)
              .addSpanProcessor(
                  BatchSpanProcessor.builder(
                          OtlpHttpSpanExporter.builder().setEndpoint(otlp.resolve("/v1/traces").toString()).build())
                      .build())
              .build();
      closing.add(tracing::close);
      tracer = tracing.get("com.example." + service);
    }

    /** One request failing with the same exception (a fresh user id in its message); its trace id. */
    String fail(int cart) {
      Span span = tracer.spanBuilder("POST /orders").startSpan();
      try {
        placeOrder(UUID.randomUUID().toString(), cart);
      } catch (IllegalStateException e) {
        span.recordException(e);
        span.setStatus(StatusCode.ERROR, e.getMessage());
      } finally {
        span.end();
      }
      return span.getSpanContext().getTraceId();
    }

    /** Exports what is buffered; the receiver answers 2xx once the events are committed. */
    void flush() {
      assertThat(tracing.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).as("span export succeeded").isTrue();
    }
  }

  private Exporter exporter(String service) throws IOException {
    return new Exporter(otlpUrl(), service);
  }

  /** Where the exceptions come from: one place, so one signature whatever the ids. */
  private static void placeOrder(String user, int cart) {
    throw new IllegalStateException("cart " + cart + " of user " + user + " is empty");
  }

  // ---- waiting for what the node does

  /** The service's one signature once it has a diagnosis. */
  private JsonNode awaitDiagnosed(String service) throws Exception {
    JsonNode[] found = new JsonNode[1];
    await()
        .atMost(DIAGNOSED)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              JsonNode s = only(signatures(service));
              assertThat(s.path("diagnosis").isObject()).as("diagnosed: " + s + "\n" + log(starts)).isTrue();
              found[0] = s;
            });
    return found[0];
  }

  private JsonNode signatures(String service) throws Exception {
    return JSON.readTree(cliOk("signatures", "list", "--service", service, "--json").out());
  }

  /** The markdown report of signature {@code id} (one file), once written. */
  private static Path awaitReport(Path reports, long id) {
    Path[] found = new Path[1];
    await()
        .atMost(DIAGNOSED)
        .untilAsserted(
            () -> {
              List<Path> files;
              try (Stream<Path> walk = Files.walk(reports)) {
                files = walk.filter(p -> p.getFileName().toString().matches("signature-" + id + "-.*\\.md")).toList();
              }
              assertThat(files).as("reports under " + reports).hasSize(1);
              found[0] = files.get(0);
            });
    return found[0];
  }

  /** The node's /metrics as name{labels} to value (text format). */
  private Map<String, Double> metrics() throws Exception {
    URI url = URI.create(JSON.readTree(stateDir.resolve("node.json").toFile()).path("http_url").asText());
    HttpResponse<String> resp;
    try (HttpClient http = HttpClient.newHttpClient()) {
      resp = http.send(
          HttpRequest.newBuilder(url.resolve("/metrics")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
    assertThat(resp.statusCode()).isEqualTo(200);
    Map<String, Double> values = new HashMap<>();
    for (String line : resp.body().lines().toList()) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return values;
  }

  private static Map<String, String> notifying(FakeGithub github, Path reports) {
    return Map.of(
        "NOTIFICATION_BACKEND", "markdown,github_issue",
        "NOTIFICATION_OUTPUT_DIR", reports.toString(),
        "GITHUB_TOKEN", TOKEN,
        "GITHUB_REPO", "acme/shop",
        "GITHUB_API_URL", github.url());
  }

  // ---- a fake GitHub: the issues endpoints of wire-formats 7

  /**
   * The issues REST API of one repository on loopback (wire-formats 7.2): list filtered by {@code
   * labels} (all must match) and {@code state}, create (201 with {@code Location}), comment (201),
   * update (200). Requests without the bearer token get 401, others not shaped as the reference
   * says are recorded as bad.
   */
  static final class FakeGithub implements AutoCloseable {
    private final String repoPath;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<ObjectNode> issues = new CopyOnWriteArrayList<>();
    private final List<JsonNode> created = new CopyOnWriteArrayList<>();
    private final List<JsonNode> comments = new CopyOnWriteArrayList<>();
    final List<String> bad = new CopyOnWriteArrayList<>();

    FakeGithub(String owner, String repo) throws IOException {
      this.repoPath = "/repos/" + owner + "/" + repo;
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(threads);
      server.createContext("/", this::handle);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The bodies of the issues created, in order, with their numbers. */
    List<JsonNode> created() {
      return List.copyOf(created);
    }

    /** The comments posted: {@code {"issue": n, "body": ...}}. */
    List<JsonNode> comments() {
      return List.copyOf(comments);
    }

    List<String> badRequests() {
      return List.copyOf(bad);
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        String what = method + " " + exchange.getRequestURI();
        var headers = exchange.getRequestHeaders();
        if (!("Bearer " + TOKEN).equals(headers.getFirst("Authorization"))) {
          bad.add(what + ": Authorization " + headers.getFirst("Authorization"));
          FakeHttp.sendJson(exchange, 401, "{\"message\":\"Bad credentials\",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"401\"}");
          return;
        }
        if (!"application/vnd.github+json".equals(headers.getFirst("Accept"))
            || !"2022-11-28".equals(headers.getFirst("X-GitHub-Api-Version"))
            || headers.getFirst("User-Agent") == null
            || headers.getFirst("User-Agent").isBlank()) {
          bad.add(what + ": headers " + headers.entrySet());
        }
        byte[] raw = exchange.getRequestBody().readAllBytes();
        JsonNode body = raw.length == 0 ? null : JSON.readTree(raw);
        if (method.equals("GET") && path.equals(repoPath + "/issues")) {
          FakeHttp.sendJson(exchange, 200, JSON.writeValueAsString(list(FakeHttp.query(exchange.getRequestURI().getRawQuery()))));
        } else if (method.equals("POST") && path.equals(repoPath + "/issues")) {
          if (body == null || !body.path("title").isTextual() || body.path("title").asText().isBlank()) {
            bad.add(what + ": no title");
            FakeHttp.sendJson(exchange, 422, "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Issue\",\"field\":\"title\",\"code\":\"missing_field\"}],\"status\":\"422\"}");
            return;
          }
          ObjectNode issue = issue(issues.size() + 1, body);
          issues.add(issue);
          ObjectNode record = body.deepCopy();
          record.put("number", issue.path("number").asLong());
          created.add(record);
          exchange.getResponseHeaders().set("Location", url() + repoPath + "/issues/" + issue.path("number").asLong());
          FakeHttp.sendJson(exchange, 201, issue.toString());
        } else if (method.equals("POST") && path.matches(repoPath + "/issues/\\d+/comments")) {
          Optional<ObjectNode> issue = byNumber(path.split("/")[5]);
          if (issue.isEmpty()) {
            bad.add(what + ": no such issue");
            FakeHttp.sendJson(exchange, 404, "{\"message\":\"Not Found\"}");
            return;
          }
          if (body == null || !body.path("body").isTextual()) {
            bad.add(what + ": no body");
          }
          ObjectNode comment = JSON.createObjectNode();
          comment.put("issue", issue.get().path("number").asLong());
          comment.put("body", body == null ? "" : body.path("body").asText());
          comments.add(comment);
          issue.get().put("comments", issue.get().path("comments").asInt() + 1);
          ObjectNode answer = JSON.createObjectNode();
          answer.put("id", 9000 + comments.size());
          answer.put("body", comment.path("body").asText());
          answer.put("html_url", "https://github.com" + repoPath.substring(6) + "/issues/" + comment.path("issue").asLong());
          answer.putObject("user").put("login", "vigil-bot");
          answer.put("created_at", "2026-11-27T12:00:00Z");
          FakeHttp.sendJson(exchange, 201, answer.toString());
        } else if (method.equals("PATCH") && path.matches(repoPath + "/issues/\\d+")) {
          Optional<ObjectNode> issue = byNumber(path.split("/")[5]);
          if (issue.isEmpty() || body == null) {
            bad.add(what + ": no such issue or no body");
            FakeHttp.sendJson(exchange, 404, "{\"message\":\"Not Found\"}");
            return;
          }
          if (body.has("state")) {
            issue.get().put("state", body.path("state").asText());
            issue.get().put("state_reason", body.path("state_reason").asText(null));
          }
          FakeHttp.sendJson(exchange, 200, issue.get().toString());
        } else {
          bad.add(what + ": no such endpoint");
          FakeHttp.sendJson(exchange, 404, "{\"message\":\"Not Found\",\"documentation_url\":\"https://docs.github.com/rest\"}");
        }
      }
    }

    private ArrayNode list(Map<String, String> q) {
      Set<String> want = new LinkedHashSet<>();
      if (q.containsKey("labels") && !q.get("labels").isBlank()) {
        want.addAll(Arrays.asList(q.get("labels").split(",")));
      }
      String state = q.getOrDefault("state", "open");
      ArrayNode out = JSON.createArrayNode();
      for (ObjectNode issue : issues) {
        Set<String> has = new LinkedHashSet<>();
        issue.path("labels").forEach(l -> has.add(l.path("name").asText()));
        if (has.containsAll(want) && (state.equals("all") || state.equals(issue.path("state").asText()))) {
          out.add(issue);
        }
      }
      return out;
    }

    private ObjectNode issue(int number, JsonNode request) {
      ObjectNode issue = JSON.createObjectNode();
      issue.put("id", 1_000_000L + number);
      issue.put("node_id", "I_kwDO" + number);
      issue.put("number", number);
      issue.put("title", request.path("title").asText());
      issue.put("body", request.path("body").asText(null));
      issue.put("state", "open");
      issue.putNull("state_reason");
      ArrayNode labels = issue.putArray("labels");
      request.path("labels").forEach(
          l -> labels.addObject().put("id", 7000 + labels.size()).put("name", l.asText()).put("color", "ededed")
              .putNull("description").put("default", false));
      issue.putObject("user").put("login", "vigil-bot");
      issue.putArray("assignees");
      issue.put("comments", 0);
      issue.put("html_url", "https://github.com" + repoPath.substring(6) + "/issues/" + number);
      issue.put("url", "https://api.github.com" + repoPath + "/issues/" + number);
      issue.put("created_at", "2026-11-27T12:00:00Z");
      issue.put("updated_at", "2026-11-27T12:00:00Z");
      issue.putNull("closed_at");
      return issue;
    }

    private Optional<ObjectNode> byNumber(String number) {
      return issues.stream().filter(i -> i.path("number").asText().equals(number)).findFirst();
    }

    @Override
    public void close() {
      server.stop(0);
      threads.shutdownNow();
    }
  }

  // ---- the node and the CLI as processes

  private ProcessBuilder vigil(Map<String, String> env, String... args) {
    return VigilProcesses.vigil(stateDir, env, args);
  }

  /** Starts a node and waits until node.json names its OTLP receiver. */
  private Process startNode(Map<String, String> env, String... args) throws IOException {
    assertThat(starts).as("one node per test").isZero();
    int start = ++starts;
    nodeEnv.putAll(env);
    ProcessBuilder pb = vigil(env, args);
    pb.redirectErrorStream(true);
    pb.redirectOutput(work.resolve("node-" + start + ".log").toFile());
    Process node = pb.start();
    nodes.add(node);
    await().atMost(NODE_START).until(() -> otlpUrlWritten() || !node.isAlive());
    assertThat(node.isAlive()).as("node is up: " + log(start)).isTrue();
    return node;
  }

  /**
   * Starts the node again after the first one died (node.json may still name the dead one) and
   * waits until node.json names the new one and its OTLP receiver.
   */
  private Process restartNode(Map<String, String> env, String... args) throws IOException {
    assertThat(starts).as("a node ran before").isPositive();
    int start = ++starts;
    ProcessBuilder pb = vigil(env, args);
    pb.redirectErrorStream(true);
    pb.redirectOutput(work.resolve("node-" + start + ".log").toFile());
    Process node = pb.start();
    nodes.add(node);
    await().atMost(NODE_START).until(() -> (otlpUrlWritten() && nodePid() == node.pid()) || !node.isAlive());
    assertThat(node.isAlive()).as("node is up: " + log(start)).isTrue();
    return node;
  }

  private long nodePid() {
    try {
      return JSON.readTree(stateDir.resolve("node.json").toFile()).path("pid").asLong(-1);
    } catch (IOException e) {
      return -1; // not there yet, or being written
    }
  }

  /** The node's environment: the CLI runs with the same settings (its store, backend, notifiers). */
  private final Map<String, String> nodeEnv = new HashMap<>();

  private boolean otlpUrlWritten() {
    return VigilProcesses.otlpUrlWritten(stateDir);
  }

  private URI otlpUrl() throws IOException {
    return VigilProcesses.otlpUrl(stateDir);
  }

  private String log(int start) {
    return VigilProcesses.logOf(work.resolve("node-" + start + ".log"));
  }

  /** A client command against the same state directory, with the node's settings. */
  private Run cli(String... args) throws Exception {
    ProcessBuilder pb = vigil(nodeEnv, args);
    pb.environment().remove("VIGIL_HEALTH_PORT");
    return finish(pb.start());
  }

  private Run cliOk(String... args) throws Exception {
    Run run = cli(args);
    assertThat(run.exit()).as("vigil " + List.of(args) + ": " + run.err()).isZero();
    return run;
  }

  private static JsonNode only(JsonNode array) {
    assertThat(array).as("exactly one signature in " + array).hasSize(1);
    return array.get(0);
  }
}
