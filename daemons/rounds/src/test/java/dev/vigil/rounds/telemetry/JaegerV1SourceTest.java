package dev.vigil.rounds.telemetry;

import static dev.vigil.rounds.telemetry.FakeBackend.Reply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.TelemetrySource;
import dev.vigil.rounds.TelemetrySource.Batch;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Jaeger source speaking the v1 HTTP API (Jaeger 1.x), against a fake query service. */
class JaegerV1SourceTest extends SourceContractTest {
  /** wire-formats 3.3: a checkout span with an exception log; the gateway span is fine. */
  static final String TRACES =
      """
      {"data":[{"traceID":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c",
        "spans":[{"traceID":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","spanID":"0c9d8e7f6a5b4c3d",
          "operationName":"OrderService.place",
          "references":[{"refType":"CHILD_OF","traceID":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","spanID":"a1b2c3d4e5f60718"}],
          "startTime":1773480413120000,"duration":245000,
          "tags":[{"key":"otel.scope.name","type":"string","value":"com.example.checkout"},
            {"key":"span.kind","type":"string","value":"internal"},
            {"key":"otel.status_code","type":"string","value":"ERROR"},
            {"key":"error","type":"bool","value":true},
            {"key":"otel.status_description","type":"string","value":"cart is empty"}],
          "logs":[{"timestamp":1773480413360000,"fields":[
            {"key":"event","type":"string","value":"exception"},
            {"key":"exception.type","type":"string","value":"java.lang.IllegalStateException"},
            {"key":"exception.message","type":"string","value":"cart is empty"},
            {"key":"exception.stacktrace","type":"string","value":"java.lang.IllegalStateException: cart is empty\\n\\tat com.example.checkout.OrderService.place(OrderService.java:88)"}]}],
          "processID":"p1","warnings":null},
         {"traceID":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","spanID":"a1b2c3d4e5f60718",
          "operationName":"POST /api/checkout","references":[],
          "startTime":1773480413100000,"duration":271000,
          "tags":[{"key":"error","type":"bool","value":true}],"logs":[],
          "processID":"p2","warnings":null}],
        "processes":{"p1":{"serviceName":"checkout",
            "tags":[{"key":"telemetry.sdk.language","type":"string","value":"java"}]},
          "p2":{"serviceName":"gateway","tags":[]}},
        "warnings":null}],
       "total":0,"limit":0,"offset":0,"errors":null}
      """;

  String serviceFilter = "checkout";

  @Override
  TelemetrySource source(String url) {
    return TelemetrySources.create(
        "jaeger",
        config("jaeger.url", url, "jaeger.api-version", "v1", "service-filter", serviceFilter),
        TestConfigs.CLOCK,
        sleeper);
  }

  @Override
  String dataPath() {
    return "/api/traces";
  }

  @Override
  String oneEventBody() {
    return TRACES;
  }

  @Override
  void routeOthers(FakeBackend fake) {
    fake.script(
        "/api/services",
        Reply.json("{\"data\":[\"checkout\",\"gateway\"],\"total\":2,\"limit\":0,\"offset\":0,\"errors\":null}"));
  }

  @Test
  void searchesEachListedServiceWithErrorTagsAsAJsonMapInMicroseconds() throws Exception {
    serviceFilter = "";
    server.script(dataPath(), Reply.json(TRACES));

    Batch batch = source(server.url()).fetch(FROM, TO, 20, 1000);

    assertThat(server.requests("/api/traces")).extracting(r -> r.param("service")).containsExactly("checkout", "gateway");
    FakeBackend.Request r = server.requests("/api/traces").get(0);
    assertThat(r.param("tags")).isEqualTo("{\"error\":\"true\"}");
    assertThat(r.param("start")).isEqualTo("1773479513000000");
    assertThat(r.param("end")).isEqualTo("1773480600000000");
    assertThat(r.param("limit")).isEqualTo("20");
    // each span read once, by its own service's search: the gateway span has no message but fails
    assertThat(batch.events())
        .containsExactlyInAnyOrder(
            new ErrorEvent(
                "jaeger", "checkout", "java.lang.IllegalStateException", "cart is empty",
                "java.lang.IllegalStateException: cart is empty\n\tat com.example.checkout.OrderService.place(OrderService.java:88)",
                Instant.parse("2026-03-14T09:26:53.360Z"), "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "0c9d8e7f6a5b4c3d",
                Severity.ERROR, Map.of("span.name", "OrderService.place")),
            new ErrorEvent(
                "jaeger", "gateway", "", "POST /api/checkout", "", Instant.parse("2026-03-14T09:26:53.100Z"),
                "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "a1b2c3d4e5f60718", Severity.ERROR,
                Map.of("span.name", "POST /api/checkout")));
  }

  @Test
  void theServiceFilterLimitsTheSearchesToListedServices() throws Exception {
    serviceFilter = "checkout,not-there";
    server.script(dataPath(), Reply.json(TRACES));

    source(server.url()).fetch(FROM, TO, 20, 1000);

    assertThat(server.requests("/api/traces")).extracting(r -> r.param("service")).containsExactly("checkout");
  }

  @Test
  void shortTraceIdsArePaddedAndABadSpanIsSkipped() throws Exception {
    String body =
        TRACES.replace("\"traceID\":\"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c\",\"spanID\":\"0c9d", "\"traceID\":\"8e6c2a1d0f9e8b7c\",\"spanID\":\"0C9D")
            .replace("{\"traceID\":\"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c\",\"spanID\":\"a1b2c3d4e5f60718\"",
                "{\"spanID\":\"a1b2c3d4e5f60718\"")
            .replace("\"processID\":\"p2\"", "\"processID\":\"p1\"");
    server.script(dataPath(), Reply.json(body));

    Batch batch = source(server.url()).fetch(FROM, TO, 20, 1000);

    assertThat(batch.events()).extracting(ErrorEvent::traceId, ErrorEvent::spanId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("00000000000000008e6c2a1d0f9e8b7c", "0c9d8e7f6a5b4c3d"));
    assertThat(batch.skippedRows()).isEqualTo(1);
  }

  @Test
  void aFullSearchIsSplitUntilDrainedAndTheLimitLeavesABacklog() throws Exception {
    List<Long> times = ZipkinSourceTest.spreadOver(FROM, TO, 45);
    server.route(dataPath(), r -> Reply.json(tracesIn(times, r)));
    TelemetrySource source = source(server.url());

    Batch all = source.fetch(FROM, TO, 8, 1000);
    assertThat(all.backlogFrom()).isNull();
    assertThat(all.events()).extracting(e -> Json.toMicros(e.time())).containsExactlyInAnyOrderElementsOf(times);

    Batch first = source.fetch(FROM, TO, 8, 20);
    assertThat(first.events()).hasSizeLessThanOrEqualTo(20);
    long backlog = Json.toMicros(first.backlogFrom());
    Set<Long> read = first.events().stream().map(e -> Json.toMicros(e.time())).collect(Collectors.toCollection(HashSet::new));
    assertThat(read).containsAll(times.stream().filter(t -> t < backlog).toList());
    source.fetch(first.backlogFrom(), TO, 8, 1000).events().forEach(e -> read.add(Json.toMicros(e.time())));
    assertThat(read).containsExactlyInAnyOrderElementsOf(times);
  }

  /** Jaeger v1's search: up to {@code limit} traces of the service with a span in [start, end] µs. */
  static String tracesIn(List<Long> times, FakeBackend.Request r) {
    long start = Long.parseLong(r.param("start"));
    long end = Long.parseLong(r.param("end"));
    int limit = Integer.parseInt(r.param("limit"));
    return times.stream()
        .filter(t -> t >= start && t <= end)
        .limit(limit)
        .map(
            t ->
                String.format(
                    "{\"traceID\":\"%x\",\"spans\":[{\"traceID\":\"%x\",\"spanID\":\"%016x\",\"operationName\":\"op\","
                        + "\"startTime\":%d,\"duration\":5,\"tags\":[{\"key\":\"error\",\"type\":\"bool\",\"value\":true}],"
                        + "\"processID\":\"p1\"}],\"processes\":{\"p1\":{\"serviceName\":\"checkout\"}}}",
                    t, t, t, t))
        .collect(Collectors.joining(",", "{\"data\":[", "],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}"));
  }
}
