package dev.vigil.launcher;

import static dev.vigil.launcher.VigilProcesses.finish;
import static org.assertj.core.api.Assertions.assertThat;
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
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rounds pipeline end to end, as a user runs it: the built {@code vigil.jar} as a node
 * process, applications exporting to it with the OpenTelemetry Java SDK, a polled backend (a local
 * fake Zipkin answering as the v2 API does), {@code kill -9} mid-work, and the {@code vigil
 * signatures} CLI (its own process) reading what was counted.
 */
class RoundsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration NODE_START = Duration.ofSeconds(60);

  @TempDir Path stateDir;
  @TempDir Path work;
  private final List<Process> nodes = new ArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private int starts;

  @AfterEach
  void cleanUp() throws Exception {
    nodes.forEach(Process::destroyForcibly);
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  // ---- the SDK's way in

  @Test
  void theOpenTelemetrySdkExportsToTheReceiverAndThreeThrowsBecomeOneSignature() throws Exception {
    startNode(Map.of(), "--all");
    URI otlp = otlpUrl();
    Resource checkout = service("checkout");
    SdkTracerProvider tracing =
        SdkTracerProvider.builder()
            .setResource(checkout)
            .addSpanProcessor(
                BatchSpanProcessor.builder(
                        OtlpHttpSpanExporter.builder().setEndpoint(otlp.resolve("/v1/traces").toString()).build())
                    .build())
            .build();
    SdkLoggerProvider logging =
        SdkLoggerProvider.builder()
            .setResource(checkout)
            .addLogRecordProcessor(
                BatchLogRecordProcessor.builder(
                        OtlpHttpLogRecordExporter.builder().setEndpoint(otlp.resolve("/v1/logs").toString()).build())
                    .build())
            .build();
    closing.add(tracing::close);
    closing.add(logging::close);
    Tracer tracer = tracing.get("com.example.checkout");

    Set<String> throwTraces = new LinkedHashSet<>();
    List<String> users = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String user = UUID.randomUUID().toString();
      users.add(user);
      Span span = tracer.spanBuilder("POST /orders").startSpan();
      try {
        placeOrder(user, 4000 + 17 * i);
      } catch (IllegalStateException e) {
        span.recordException(e);
        span.setStatus(StatusCode.ERROR, e.getMessage());
      } finally {
        span.end();
      }
      throwTraces.add(span.getSpanContext().getTraceId());
    }
    Span payment = tracer.spanBuilder("POST /payments").startSpan();
    Logger logger = logging.get("com.example.checkout.Payments");
    logger
        .logRecordBuilder()
        .setContext(Context.current().with(payment))
        .setSeverity(io.opentelemetry.api.logs.Severity.ERROR)
        .setSeverityText("ERROR")
        .setBody("payment gateway answered 502 for order 99120")
        .emit();
    payment.end();
    assertSucceeded("span export", tracing.forceFlush());
    assertSucceeded("log export", logging.forceFlush());
    assertThat(throwTraces).hasSize(3);

    // the receiver answered 2xx only once the events were committed: no wait needed
    Run list = cli("signatures", "list", "--service", "checkout", "--json");
    assertThat(list.exit()).as(list.err()).isZero();
    JsonNode signatures = JSON.readTree(list.out());
    assertThat(signatures).as(list.out()).hasSize(2);
    JsonNode thrown = only(signatures, s -> s.path("error_type").asText().equals("java.lang.IllegalStateException"));
    assertThat(thrown.path("service").asText()).isEqualTo("checkout");
    assertThat(thrown.path("occurrence_count").asLong()).isEqualTo(3);
    assertThat(thrown.path("fingerprint_version").asInt()).isEqualTo(2);
    assertThat(thrown.path("fingerprint").asText()).matches("[0-9a-f]{16}");
    // the third throw reached the threshold: DIAGNOSIS may already be at it (evidence backend)
    assertThat(thrown.path("status").asText()).isIn("new", "investigating", "diagnosed");
    assertThat(thrown.path("message_template").asText())
        .startsWith("cart ")
        .endsWith(" is empty")
        .doesNotContain(users.get(0), users.get(1), users.get(2), "4000", "4017", "4034");
    assertThat(thrown.path("frames").toString()).contains("dev.vigil.launcher.RoundsIT::placeOrder");

    // investigated at once on the threshold event, not at the next 60 s sweep
    String id = thrown.path("id").asText();
    JsonNode diagnosed = await().atMost(Duration.ofSeconds(30)).until(
        () -> JSON.readTree(cli("signatures", "show", id, "--json").out()),
        d -> !d.path("diagnosis").isNull());
    assertThat(diagnosed.path("status").asText()).isEqualTo("diagnosed");
    assertThat(diagnosed.path("diagnosis").path("model").asText()).isEqualTo("none");
    assertThat(diagnosed.path("diagnosis").path("confidence").asText()).isEqualTo("low");
    assertThat(diagnosed.path("diagnosis").path("cost_usd").decimalValue()).isZero();
    assertThat(diagnosed.path("audit").findValuesAsText("to")).containsSubsequence("new", "investigating", "diagnosed");

    JsonNode logged = only(signatures, s -> s.path("error_type").asText().isEmpty());
    assertThat(logged.path("occurrence_count").asLong()).isEqualTo(1);
    assertThat(logged.path("message_template").asText()).startsWith("payment gateway answered");

    Run show = cli("signatures", "show", thrown.path("id").asText(), "--json");
    assertThat(show.exit()).as(show.err()).isZero();
    JsonNode detail = JSON.readTree(show.out());
    assertThat(detail.path("samples").findValuesAsText("trace_id"))
        .as("the samples carry the trace ids the SDK used")
        .containsExactlyInAnyOrderElementsOf(throwTraces);
    assertThat(detail.path("samples").findValuesAsText("source")).containsOnly("otlp");
    assertThat(detail.path("samples").findValuesAsText("message"))
        .allSatisfy(m -> assertThat(m).startsWith("cart ").contains(" of user "));
    assertThat(detail.path("audit")).isNotEmpty();
    assertThat(detail.path("audit").get(0).path("to").asText()).isEqualTo("new");

    Run showLog = cli("signatures", "show", logged.path("fingerprint").asText(), "--json");
    assertThat(showLog.exit()).as(showLog.err()).isZero();
    assertThat(JSON.readTree(showLog.out()).path("samples").findValuesAsText("trace_id"))
        .containsExactly(payment.getSpanContext().getTraceId());
  }

  // ---- management over the authenticated HTTP API

  @Test
  void anOperatorMutesAndResolvesOverHttpWithTheNodesTokenAndTheCliSeesIt() throws Exception {
    startNode(Map.of(), "--all");
    SdkLoggerProvider logging =
        SdkLoggerProvider.builder()
            .setResource(service("billing"))
            .addLogRecordProcessor(
                BatchLogRecordProcessor.builder(
                        OtlpHttpLogRecordExporter.builder()
                            .setEndpoint(otlpUrl().resolve("/v1/logs").toString())
                            .build())
                    .build())
            .build();
    closing.add(logging::close);
    Logger logger = logging.get("com.example.billing");
    for (String text : List.of("invoice 17 could not be rendered", "ledger lock held by batch 4 for 91 s")) {
      logger.logRecordBuilder().setSeverity(io.opentelemetry.api.logs.Severity.ERROR).setBody(text).emit();
    }
    assertSucceeded("log export", logging.forceFlush());
    JsonNode listed = JSON.readTree(cliOk("signatures", "list", "--service", "billing", "--json").out());
    assertThat(listed).hasSize(2);
    String invoice = only(listed, s -> s.path("message_template").asText().startsWith("invoice")).path("id").asText();
    String ledger = only(listed, s -> s.path("message_template").asText().startsWith("ledger")).path("id").asText();

    URI api = VigilProcesses.httpUrl(stateDir);
    String token = VigilProcesses.token(stateDir);
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    closing.add(http::close);
    java.util.function.BiFunction<String, String, java.net.http.HttpRequest> post =
        (path, body) ->
            java.net.http.HttpRequest.newBuilder(api.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("X-Vigil-Actor", "oncall-ana")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                .build();
    var text = java.net.http.HttpResponse.BodyHandlers.ofString();

    var muted = http.send(post.apply("/api/signatures/" + invoice + "/mute", "{\"reason\": \"renderer retired\"}"), text);
    assertThat(muted.statusCode()).as(muted.body()).isEqualTo(200);
    assertThat(JSON.readTree(muted.body()).path("message").asText()).isEqualTo("signature " + invoice + " is muted");
    var resolved = http.send(post.apply("/api/signatures/" + ledger + "/resolve", "{\"fix\": \"batch v4.2\"}"), text);
    assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
    var noToken =
        http.send(
            java.net.http.HttpRequest.newBuilder(api.resolve("/api/signatures/" + ledger + "/mute"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            text);
    assertThat(noToken.statusCode()).isEqualTo(401);
    var again = http.send(post.apply("/api/signatures/" + invoice + "/resolve", "{}"), text);
    assertThat(again.statusCode()).as("muted cannot move to resolved: " + again.body()).isEqualTo(409);

    JsonNode invoiceShown = JSON.readTree(cliOk("signatures", "show", invoice, "--json").out());
    assertThat(invoiceShown.path("status").asText()).isEqualTo("muted");
    JsonNode mute = invoiceShown.path("audit").get(invoiceShown.path("audit").size() - 1);
    assertThat(mute.path("actor").asText()).isEqualTo("api:oncall-ana");
    assertThat(mute.path("reason").asText()).isEqualTo("renderer retired");
    JsonNode ledgerShown = JSON.readTree(cliOk("signatures", "show", ledger, "--json").out());
    assertThat(ledgerShown.path("status").asText()).isEqualTo("resolved");
    JsonNode resolve = ledgerShown.path("audit").get(ledgerShown.path("audit").size() - 1);
    assertThat(resolve.path("actor").asText()).isEqualTo("api:oncall-ana");
    assertThat(resolve.path("reason").asText()).isEqualTo("resolved by batch v4.2");

    var shown =
        http.send(
            java.net.http.HttpRequest.newBuilder(api.resolve("/api/signatures/" + ledger))
                .header("Authorization", "Bearer " + token)
                .build(),
            text);
    assertThat(JSON.readTree(shown.body())).isEqualTo(ledgerShown);
  }

  /** Where the three exceptions come from: one place, so one signature whatever the ids. */
  private static void placeOrder(String user, int cart) {
    throw new IllegalStateException("cart " + cart + " of user " + user + " is empty");
  }

  // ---- exactly once across kill -9: pushed events

  @Test
  void everyExportAcknowledgedBeforeAKill9IsCountedAfterTheRestart() throws Exception {
    Process node = startNode(Map.of(), "--all");
    URI otlp = otlpUrl();
    // the export refused by the killed node is expected: keep its stack trace out of the build log
    java.util.logging.Logger exporterLog = java.util.logging.Logger.getLogger("io.opentelemetry.exporter");
    java.util.logging.Level level = exporterLog.getLevel();
    exporterLog.setLevel(java.util.logging.Level.OFF);
    closing.add(() -> exporterLog.setLevel(level));
    SdkTracerProvider tracing =
        SdkTracerProvider.builder()
            .setResource(service("billing"))
            .addSpanProcessor(
                SimpleSpanProcessor.create(
                    OtlpHttpSpanExporter.builder()
                        .setEndpoint(otlp.resolve("/v1/traces").toString())
                        .setTimeout(Duration.ofSeconds(5))
                        .setRetryPolicy(null) // a refused export must fail now, not be retried
                        .build()))
            .build();
    closing.add(tracing::close);
    Tracer tracer = tracing.get("com.example.billing");
    AtomicInteger acknowledged = new AtomicInteger();
    AtomicInteger attempted = new AtomicInteger();
    ExecutorService client = Executors.newSingleThreadExecutor();
    closing.add(client::shutdownNow);
    Future<?> exporting =
        client.submit(
            () -> {
              // one span per export, each waited for: acknowledged counts the 2xx answers exactly
              for (int i = 0; ; i++) {
                Span span = tracer.spanBuilder("charge").startSpan();
                span.recordException(new IllegalArgumentException("invoice " + i + " has no lines"));
                span.setStatus(StatusCode.ERROR);
                attempted.incrementAndGet();
                span.end();
                if (!tracing.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()) {
                  return null;
                }
                acknowledged.incrementAndGet();
              }
            });
    await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.get() >= 40 || exporting.isDone());
    assertThat(exporting.isDone()).as("the client still exports when the node is killed").isFalse();
    node.destroyForcibly(); // SIGKILL while the client keeps exporting
    assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    exporting.get(60, TimeUnit.SECONDS); // the next export fails: the client stops
    int acked = acknowledged.get();
    int tried = attempted.get();
    assertThat(tried - acked).as("one export may have been in flight").isBetween(1, 1);

    startNode(Map.of(), "--all");
    JsonNode billing = JSON.readTree(cliOk("signatures", "list", "--service", "billing", "--json").out());
    assertThat(billing).as("one error, one signature").hasSize(1);
    assertThat(billing.get(0).path("occurrence_count").asLong())
        .as("every acknowledged event is there (the one in flight may or may not be)")
        .isBetween((long) acked, (long) tried);
  }

  // ---- exactly once across kill -9: a polled backend, killed mid-cycle

  @Test
  void aPollingNodeKilledMidCycleCountsEveryZipkinErrorExactlyOnceAfterItsRestart() throws Exception {
    int n = 60;
    Instant now = Instant.now();
    FakeZipkin zipkin = new FakeZipkin(errorSpans(n, now.minus(Duration.ofMinutes(40)), Duration.ofSeconds(37)));
    closing.add(zipkin);
    // batch 2 and 5 events per read: a cycle is many searches and several commits
    Path config =
        Files.writeString(
            work.resolve("poll.conf"),
            """
            vigil.daemons.TELEMETRY_POLLER {
              max-events-per-poll = 5
              max-reads-per-cycle = 4
            }
            """);
    Map<String, String> env =
        Map.of(
            "TELEMETRY_BACKEND", "zipkin",
            "ZIPKIN_API_URL", zipkin.url(),
            "POLL_INTERVAL_SECONDS", "1",
            "POLL_BATCH_SIZE", "2",
            "ERROR_LOOKBACK_MINUTES", "60",
            "POLL_OVERLAP_SECONDS", "600");
    // the 30th search hangs: the node is then in the middle of a cycle, some reads committed
    zipkin.holdFrom(30);
    Process node = startNode(env, "--all", "--config", config.toString());
    await().atMost(Duration.ofSeconds(60)).until(() -> zipkin.holding() || !node.isAlive());
    assertThat(node.isAlive()).as(log(1)).isTrue();
    node.destroyForcibly(); // SIGKILL with a search in flight
    assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();

    long before = total(cliOk("signatures", "list", "--service", "inventory", "--json"));
    assertThat(before).as("the kill came after some reads were committed and before the last").isBetween(1L, n - 1L);

    zipkin.release();
    int servedBeforeRestart = zipkin.served();
    startNode(env, "--all", "--config", config.toString());
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              long counted = total(cliOk("signatures", "list", "--service", "inventory", "--json"));
              assertThat(counted).as("never more than there are").isLessThanOrEqualTo(n);
              assertThat(counted).isEqualTo(n);
            });
    // a few more cycles re-read the overlap (600 s): still nothing counted twice
    int served = zipkin.served();
    await().atMost(Duration.ofSeconds(30)).until(() -> zipkin.served() >= served + 5);
    assertThat(zipkin.served()).isGreaterThan(servedBeforeRestart);
    JsonNode signatures = JSON.readTree(cliOk("signatures", "list", "--service", "inventory", "--json").out());
    assertThat(signatures).as("three errors, three signatures").hasSize(3);
    Map<String, Long> byType = new HashMap<>();
    signatures.forEach(s -> byType.put(s.path("error_type").asText(), s.path("occurrence_count").asLong()));
    assertThat(byType)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "java.lang.IllegalStateException", (long) n / 3,
                "java.net.SocketTimeoutException", (long) n / 3,
                "java.util.NoSuchElementException", (long) n / 3));
    assertThat(zipkin.badRequests()).as("every search the node sent was well-formed").isZero();
  }

  /** N failed spans of the service inventory, one per trace, three errors in turn, oldest first. */
  private static List<ObjectNode> errorSpans(int n, Instant first, Duration step) {
    Random random = new Random(42);
    HexFormat hex = HexFormat.of();
    List<ObjectNode> spans = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] trace = new byte[16];
      byte[] id = new byte[8];
      random.nextBytes(trace);
      random.nextBytes(id);
      long startMicros = micros(first.plus(step.multipliedBy(i)));
      String type;
      String message;
      String frame;
      switch (i % 3) {
        case 0 -> {
          type = "java.lang.IllegalStateException";
          message = "sku " + (10_000 + i) + " out of stock in warehouse " + (i % 7);
          frame = "com.acme.inventory.StockService.reserve(StockService.java:" + (80 + i % 5) + ")";
        }
        case 1 -> {
          type = "java.net.SocketTimeoutException";
          message = "Read timed out after " + (3000 + i) + " ms";
          frame = "com.acme.inventory.PriceClient.fetch(PriceClient.java:41)";
        }
        default -> {
          type = "java.util.NoSuchElementException";
          message = "no item " + new UUID(random.nextLong(), random.nextLong());
          frame = "com.acme.inventory.Catalog.find(Catalog.java:19)";
        }
      }
      String stack =
          type + ": " + message + "\n\tat " + frame
              + "\n\tat com.acme.inventory.Api.handle(Api.java:55)"
              + "\n\tat java.base/java.lang.Thread.run(Thread.java:1583)\n";
      ObjectNode attrs = JSON.createObjectNode();
      attrs.put("exception.type", type);
      attrs.put("exception.message", message);
      attrs.put("exception.stacktrace", stack);
      ObjectNode span = JSON.createObjectNode();
      span.put("traceId", hex.formatHex(trace));
      span.put("id", hex.formatHex(id));
      span.put("name", "get /items");
      span.put("kind", "SERVER");
      span.put("timestamp", startMicros);
      span.put("duration", 25_000);
      span.putObject("localEndpoint").put("serviceName", "inventory");
      span.putArray("annotations")
          .addObject()
          .put("timestamp", startMicros + 20_000)
          .put("value", "\"exception\": " + attrs);
      span.putObject("tags").put("otel.status_code", "ERROR").put("error", message);
      spans.add(span);
    }
    return spans;
  }

  private static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }

  /**
   * A Zipkin v2 query API on loopback (wire-formats 6), over a fixed set of spans: {@code GET
   * /api/v2/traces} with {@code serviceName}, {@code annotationQuery}, {@code endTs} and {@code
   * lookback} (ms, both ends inclusive) and {@code limit}, newest traces first. From the request
   * numbered {@code holdFrom} on, searches hang until {@link #release()}.
   */
  static final class FakeZipkin implements AutoCloseable {
    private final List<ObjectNode> spans;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger served = new AtomicInteger();
    private final AtomicInteger bad = new AtomicInteger();
    private final AtomicLong holdFrom = new AtomicLong(Long.MAX_VALUE);
    private final AtomicInteger held = new AtomicInteger();
    private final CountDownLatch released = new CountDownLatch(1);

    FakeZipkin(List<ObjectNode> spans) throws IOException {
      this.spans = List.copyOf(spans);
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(threads);
      server.createContext("/", this::handle);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void holdFrom(int request) {
      holdFrom.set(request);
    }

    boolean holding() {
      return held.get() > 0;
    }

    void release() {
      holdFrom.set(Long.MAX_VALUE);
      released.countDown();
    }

    /** Searches answered in full. */
    int served() {
      return served.get();
    }

    int badRequests() {
      return bad.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        URI uri = exchange.getRequestURI();
        if (!exchange.getRequestMethod().equals("GET") || !uri.getPath().equals("/api/v2/traces")) {
          bad.incrementAndGet();
          FakeHttp.sendJson(exchange, 404, "{\"message\":\"not found\"}");
          return;
        }
        Map<String, String> q = FakeHttp.query(uri.getRawQuery());
        long endTs;
        long lookback;
        int limit;
        try {
          endTs = Long.parseLong(q.getOrDefault("endTs", Long.toString(System.currentTimeMillis())));
          lookback = Long.parseLong(q.getOrDefault("lookback", Long.toString(endTs)));
          limit = Integer.parseInt(q.getOrDefault("limit", "10"));
        } catch (NumberFormatException e) {
          bad.incrementAndGet();
          FakeHttp.sendJson(exchange, 400, "{\"message\":\"" + e.getMessage() + "\"}");
          return;
        }
        if (!"error".equals(q.get("annotationQuery")) || lookback < 0 || limit < 1) {
          bad.incrementAndGet();
        }
        if (served.get() + held.get() + 1 >= holdFrom.get()) {
          held.incrementAndGet();
          try {
            released.await(); // the node is killed meanwhile; this answer goes nowhere
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return;
        }
        long fromMicros = (endTs - lookback) * 1000;
        long toMicros = endTs * 1000;
        String service = q.get("serviceName");
        ArrayNode traces = JSON.createArrayNode();
        for (int i = spans.size() - 1; i >= 0 && traces.size() < limit; i--) {
          ObjectNode span = spans.get(i);
          long ts = span.path("timestamp").asLong();
          if (ts >= fromMicros
              && ts <= toMicros
              && (service == null || service.equals(span.path("localEndpoint").path("serviceName").asText()))) {
            traces.addArray().add(span);
          }
        }
        FakeHttp.sendJson(exchange, 200, JSON.writeValueAsString(traces));
        served.incrementAndGet();
      }
    }

    @Override
    public void close() {
      release();
      server.stop(0);
      threads.shutdownNow();
    }
  }

  // ---- the example set-ups of docs/rounds.md

  @Test
  void theExampleSetUpsPassValidateAndAMissingBackendUrlDoesNot() throws Exception {
    Path examples = VigilProcesses.HOME.resolve("profiles/examples");
    for (String name : List.of("signoz.env", "jaeger-github.env", "local-dev.env")) {
      Map<String, String> env = envFile(examples.resolve(name));
      Run ok = run(env, "validate");
      assertThat(ok.exit()).as(name + ": " + ok.err()).isZero();
      assertThat(ok.out()).as(name).startsWith("configuration ok: profile standalone");
    }
    // the env file of the runbook, loaded the way it says: export $(cat file | xargs)
    List<String> validate = new ArrayList<>(vigil(Map.of(), "validate").command());
    StringBuilder line = new StringBuilder("export $(cat \"$1\" | xargs) && exec");
    for (int i = 0; i < validate.size(); i++) {
      line.append(" \"$").append(i + 2).append('"');
    }
    List<String> shell = new ArrayList<>(List.of("sh", "-c", line.toString(), "sh", examples.resolve("grafana.env").toString()));
    shell.addAll(validate);
    ProcessBuilder sh = vigil(Map.of(), "validate").command(shell);
    Run grafana = finish(sh.start());
    assertThat(grafana.exit()).as(grafana.err()).isZero();
    assertThat(grafana.out()).startsWith("configuration ok: profile standalone");

    Map<String, String> noUrl = new HashMap<>(envFile(examples.resolve("signoz.env")));
    noUrl.remove("SIGNOZ_API_URL");
    Run bad = run(noUrl, "validate");
    assertThat(bad.exit()).isEqualTo(78);
    assertThat(bad.err()).contains("vigil.rounds.telemetry.signoz.url").contains("SIGNOZ_API_URL");
  }

  /** KEY=value lines of an env file, comments and blank lines left out (as systemd reads it). */
  private static Map<String, String> envFile(Path file) throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      int eq = l.indexOf('=');
      assertThat(eq).as(file + ": " + line).isPositive();
      env.put(l.substring(0, eq), l.substring(eq + 1));
    }
    return env;
  }

  // ---- the node and the CLI as processes

  private ProcessBuilder vigil(Map<String, String> env, String... args) {
    return VigilProcesses.vigil(stateDir, env, args);
  }

  /** Starts a node and waits until node.json names its OTLP receiver. */
  private Process startNode(Map<String, String> env, String... args) throws IOException {
    int start = ++starts;
    ProcessBuilder pb = vigil(env, args);
    pb.redirectErrorStream(true);
    pb.redirectOutput(work.resolve("node-" + start + ".log").toFile());
    Process node = pb.start();
    nodes.add(node);
    await()
        .atMost(NODE_START)
        .until(() -> otlpUrlWritten() || !node.isAlive());
    assertThat(node.isAlive()).as("node is up: " + log(start)).isTrue();
    return node;
  }

  private boolean otlpUrlWritten() {
    return VigilProcesses.otlpUrlWritten(stateDir);
  }

  private URI otlpUrl() throws IOException {
    return VigilProcesses.otlpUrl(stateDir);
  }

  private String log(int start) {
    return VigilProcesses.logOf(work.resolve("node-" + start + ".log"));
  }

  private Run run(Map<String, String> env, String... args) throws Exception {
    return finish(vigil(env, args).start());
  }

  /** A client command against the same state directory. */
  private Run cli(String... args) throws Exception {
    ProcessBuilder pb = vigil(Map.of(), args);
    pb.environment().remove("VIGIL_HEALTH_PORT");
    return finish(pb.start());
  }

  private Run cliOk(String... args) throws Exception {
    Run run = cli(args);
    assertThat(run.exit()).as("vigil " + List.of(args) + ": " + run.err()).isZero();
    return run;
  }

  private static long total(Run list) throws IOException {
    long sum = 0;
    for (JsonNode s : JSON.readTree(list.out())) {
      sum += s.path("occurrence_count").asLong();
    }
    return sum;
  }

  private static JsonNode only(JsonNode array, java.util.function.Predicate<JsonNode> which) {
    List<JsonNode> found = new ArrayList<>();
    array.forEach(
        s -> {
          if (which.test(s)) {
            found.add(s);
          }
        });
    assertThat(found).as("exactly one match in " + array).hasSize(1);
    return found.get(0);
  }

  private static Resource service(String name) {
    return Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), name)));
  }

  private static void assertSucceeded(String what, CompletableResultCode result) {
    assertThat(result.join(30, TimeUnit.SECONDS).isSuccess()).as(what + " succeeded").isTrue();
  }
}
