package dev.vigil.rounds.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.TelemetrySource;
import dev.vigil.rounds.TelemetrySource.Batch;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Zipkin source against a real Zipkin server (io.zipkin:zipkin-server, in-memory storage) on
 * loopback: spans with errors go in through {@code POST /api/v2/spans} and come back out of the
 * source as the right error events. One server for the whole class.
 */
class ZipkinSourceIT {
  static Process zipkin;
  static String url;
  static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void startZipkin() throws Exception {
    String jar = System.getProperty("vigil.it.zipkinJar", "target/it-tools/zipkin-server-exec.jar");
    assertThat(Path.of(jar)).as("the build fetches the Zipkin jar in pre-integration-test").exists();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    url = "http://127.0.0.1:" + port;
    Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve("zipkin.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    zipkin =
        new ProcessBuilder(
                java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar,
                "--armeria.ports[0].ip=127.0.0.1",
                "--armeria.ports[0].port=" + port,
                "--armeria.ports[0].protocols[0]=http")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    await("Zipkin answering GET /api/v2/services (log: " + log + ")")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> zipkin.isAlive() && status(get("/api/v2/services")) == 200 || !zipkin.isAlive());
    assertThat(zipkin.isAlive()).as("Zipkin exited; see " + log).isTrue();
  }

  @AfterAll
  static void stopZipkin() throws InterruptedException {
    if (zipkin != null) {
      zipkin.destroy();
      if (!zipkin.waitFor(10, TimeUnit.SECONDS)) {
        zipkin.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static HttpResponse<String> get(String path) {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(url + path)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  static int status(HttpResponse<?> r) {
    return r == null ? -1 : r.statusCode();
  }

  static void post(String spansJson) throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(url + "/api/v2/spans"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(spansJson))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
  }

  static TelemetrySource source(String serviceFilter) {
    return TelemetrySources.create(
        "zipkin",
        ConfigFactory.parseMap(
            Map.of("vigil.rounds.telemetry.zipkin.url", url, "vigil.rounds.telemetry.service-filter", serviceFilter)));
  }

  static long micros(Instant t) {
    return Json.toMicros(t);
  }

  @Test
  void spansWithErrorsComeBackAsErrorEvents() throws Exception {
    Instant t = Instant.now().minus(2, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
    // An OpenTelemetry-exported failing span (exception annotation, error tag = description), a
    // native Zipkin error span (error=true), and an OK parent that must not count.
    post(
        """
        [{"traceId":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","id":"0c9d8e7f6a5b4c3d","parentId":"a1b2c3d4e5f60718",
          "name":"orderservice.place","timestamp":%d,"duration":245000,
          "localEndpoint":{"serviceName":"it-checkout"},
          "annotations":[{"timestamp":%d,"value":"\\"exception\\": {\\"exception.type\\":\\"java.lang.IllegalStateException\\",\\"exception.message\\":\\"cart is empty\\",\\"exception.stacktrace\\":\\"java.lang.IllegalStateException: cart is empty\\\\n\\\\tat com.example.checkout.OrderService.place(OrderService.java:88)\\"}"}],
          "tags":{"otel.status_code":"ERROR","error":"cart is empty"}},
         {"traceId":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","id":"a1b2c3d4e5f60718","kind":"SERVER",
          "name":"post /api/checkout","timestamp":%d,"duration":271000,
          "localEndpoint":{"serviceName":"it-gateway"},"tags":{"otel.status_code":"OK"}},
         {"traceId":"00000000000000007e57000000000001","id":"7e57000000000001","kind":"CLIENT",
          "name":"get /charge","timestamp":%d,"duration":1000,
          "localEndpoint":{"serviceName":"it-payments"},"tags":{"error":"true","http.status_code":"502"}}]
        """
            .formatted(micros(t) + 20_000, micros(t) + 260_000, micros(t), micros(t) + 50_000));
    await().atMost(Duration.ofSeconds(20)).until(() -> get("/api/v2/services").body().contains("it-payments"));

    Batch batch = source("it-checkout,it-payments,it-gateway").fetch(t.minusSeconds(60), Instant.now(), 100, 1000);

    assertThat(batch.skippedRows()).isZero();
    assertThat(batch.backlogFrom()).isNull();
    assertThat(batch.events())
        .containsExactlyInAnyOrder(
            new ErrorEvent(
                "zipkin", "it-checkout", "java.lang.IllegalStateException", "cart is empty",
                "java.lang.IllegalStateException: cart is empty\n\tat com.example.checkout.OrderService.place(OrderService.java:88)",
                t.plusMillis(260), "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "0c9d8e7f6a5b4c3d", Severity.ERROR,
                Map.of("span.name", "orderservice.place")),
            new ErrorEvent(
                "zipkin", "it-payments", "", "get /charge", "", t.plusMillis(50),
                "00000000000000007e57000000000001", "7e57000000000001", Severity.ERROR,
                Map.of("span.name", "get /charge")));
  }

  @Test
  void moreTracesThanAPageAreAllReadAndTheLimitLeavesABacklog() throws Exception {
    Instant base = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    int n = 40;
    List<String> spans = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      spans.add(
          String.format(
              "{\"traceId\":\"%032x\",\"id\":\"%016x\",\"name\":\"op\",\"timestamp\":%d,\"duration\":10,"
                  + "\"localEndpoint\":{\"serviceName\":\"it-paged\"},\"tags\":{\"error\":\"failure %d\"}}",
              0xbeef0000L + i, 0xbeef0000L + i, micros(base) + i * 3_000_000L + 1234, i));
    }
    post(spans.stream().collect(Collectors.joining(",", "[", "]")));
    await().atMost(Duration.ofSeconds(20)).until(() -> get("/api/v2/services").body().contains("it-paged"));
    TelemetrySource source = source("it-paged");
    Instant from = base.minusSeconds(1);
    Instant to = base.plusSeconds(3L * n + 1);

    Batch all = source.fetch(from, to, 7, 1000);
    assertThat(all.events()).hasSize(n);
    assertThat(all.backlogFrom()).isNull();

    Batch first = source.fetch(from, to, 7, 10);
    assertThat(first.events()).hasSizeLessThanOrEqualTo(10).isNotEmpty();
    assertThat(first.backlogFrom()).isAfter(from).isBefore(to);
    Batch rest = source.fetch(first.backlogFrom(), to, 7, 1000);
    assertThat(rest.backlogFrom()).isNull();
    List<String> read = new ArrayList<>();
    first.events().forEach(e -> read.add(e.spanId()));
    rest.events().forEach(e -> read.add(e.spanId()));
    // windows touching at a millisecond may both return a trace there; the store de-duplicates
    assertThat(new java.util.HashSet<>(read)).hasSize(n);
  }
}
