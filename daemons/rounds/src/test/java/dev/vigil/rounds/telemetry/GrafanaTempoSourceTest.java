package dev.vigil.rounds.telemetry;

import static dev.vigil.rounds.telemetry.FakeBackend.Reply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.TelemetrySource;
import dev.vigil.rounds.TelemetrySource.Batch;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The grafana_stack source's Tempo half, against a fake Tempo (Loki answers no lines). */
class GrafanaTempoSourceTest extends SourceContractTest {
  /** wire-formats 4.2: the root service is the gateway; the failing span is checkout's. */
  static final String SEARCH =
      """
      {"traces":[{"traceID":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","rootServiceName":"gateway",
         "rootTraceName":"POST /api/checkout","startTimeUnixNano":"1773480413100000000","durationMs":271,
         "spanSets":[{"matched":1,"spans":[{"spanID":"0c9d8e7f6a5b4c3d","name":"OrderService.place",
           "startTimeUnixNano":"1773480413120000000","durationNanos":"245000000",
           "attributes":[{"key":"status","value":{"stringValue":"error"}}]}]}],
         "serviceStats":{"checkout":{"spanCount":4,"errorCount":1}}}],
       "metrics":{"inspectedTraces":3100,"inspectedBytes":"3811736","totalBlocks":3}}
      """;

  /** wire-formats 4.1: base64 ids, enum names, "batches". */
  static final String TRACE =
      """
      {"batches":[{
        "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
        "scopeSpans":[{"scope":{"name":"com.example.checkout"},
          "spans":[{"traceId":"XyuMHpp9TzuObCodD56LfA==","spanId":"DJ2Of2pbTD0=",
            "parentSpanId":"obLD1OX2Bxg=","name":"OrderService.place","kind":"SPAN_KIND_INTERNAL",
            "startTimeUnixNano":"1773480413120000000","endTimeUnixNano":"1773480413365000000",
            "events":[{"timeUnixNano":"1773480413360000000","name":"exception","attributes":[
              {"key":"exception.type","value":{"stringValue":"java.lang.IllegalStateException"}}]}],
            "status":{"code":"STATUS_CODE_ERROR","message":"cart is empty"}}]}]},
       {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gateway"}}]},
        "scopeSpans":[{"scope":{"name":"io.opentelemetry.netty"},
          "spans":[{"traceId":"XyuMHpp9TzuObCodD56LfA==","spanId":"obLD1OX2Bxg=","name":"POST /api/checkout",
            "kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1773480413100000000","endTimeUnixNano":"1773480413371000000",
            "status":{}}]}]}]}
      """;

  static final String NO_LOGS = "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\",\"result\":[],\"stats\":{}}}";

  String[] extra = {};

  @Override
  TelemetrySource source(String url) {
    String[] base = {"grafana_stack.tempo-url", url + "/tempo", "grafana_stack.loki-url", url};
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return TelemetrySources.create("grafana_stack", config(all), TestConfigs.CLOCK, sleeper);
  }

  @Override
  String dataPath() {
    return "/tempo/api/search";
  }

  @Override
  String oneEventBody() {
    return SEARCH;
  }

  @Override
  void routeOthers(FakeBackend fake) {
    fake.script("/tempo/api/traces/5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", Reply.json(TRACE));
    fake.script("/loki/api/v1/query_range", Reply.json(NO_LOGS));
  }

  @Test
  void searchesErrorsWithTraceQlInSecondsAndReadsTheServiceFromTheTrace() throws Exception {
    server.script(dataPath(), Reply.json(SEARCH));

    Batch batch = source(server.url()).fetch(FROM, TO.plusMillis(1), 20, 1000);

    FakeBackend.Request search = server.requests(dataPath()).get(0);
    assertThat(search.param("q")).isEqualTo("{ status = error }");
    assertThat(search.param("start")).isEqualTo("1773479513");
    assertThat(search.param("end")).isEqualTo("1773480601"); // rounded up: the window ends after :00
    assertThat(search.param("limit")).isEqualTo("20");
    FakeBackend.Request byId = server.requests("/tempo/api/traces/5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c").get(0);
    assertThat(byId.param("start")).isEqualTo("1773479513");
    assertThat(batch.events())
        .containsExactly(
            new ErrorEvent(
                "grafana_stack", "checkout", "java.lang.IllegalStateException", "cart is empty", "",
                Instant.parse("2026-03-14T09:26:53.360Z"), "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "0c9d8e7f6a5b4c3d",
                Severity.ERROR, Map.of("span.name", "OrderService.place")));
  }

  @Test
  void aServiceFilterGoesIntoTheTraceQl() throws Exception {
    extra = new String[] {"service-filter", "checkout,pay\"ments"};
    server.script(dataPath(), Reply.json(SEARCH));

    source(server.url()).fetch(FROM, TO, 20, 1000);

    assertThat(server.requests(dataPath()).get(0).param("q"))
        .isEqualTo("{ (resource.service.name = \"checkout\" || resource.service.name = \"pay\\\"ments\") && status = error }");
  }

  @Test
  void trimmedSearchIdsArePaddedAndOtlpTracesWithV2ShapeAndIntegerEnumsAreRead() throws Exception {
    server.script(dataPath(), Reply.json("{\"traces\":[{\"traceID\":\"2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c\",\"rootServiceName\":\"x\"}],\"metrics\":{}}"));
    server.script(
        "/tempo/api/traces/002b8c1e9a7d4f3b8e6c2a1d0f9e8b7c",
        Reply.json(
            """
            {"trace":{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"payments"}}]},
              "instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"x"},"spans":[
                {"traceId":"002b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","spanId":"00000000000000aa","name":"charge",
                 "startTimeUnixNano":1773480000000000000,"status":{"code":2}},
                {"traceId":"002b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","name":"no span id","startTimeUnixNano":"1","status":{"code":2}}]}]}]}}
            """));

    Batch batch = source(server.url()).fetch(FROM, TO, 20, 1000);

    assertThat(batch.events()).extracting(ErrorEvent::service, ErrorEvent::traceId, ErrorEvent::message)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("payments", "002b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "charge"));
    assertThat(batch.skippedRows()).isEqualTo(1);
  }

  @Test
  void sendsTheApiKeyAsBearerAndTheOrgIdAsScope() throws Exception {
    extra = new String[] {"grafana_stack.api-key", "glsa_secret", "grafana_stack.org-id", "tenant-7"};
    server.script(dataPath(), Reply.json(SEARCH));

    source(server.url()).fetch(FROM, TO, 20, 1000);

    assertThat(server.requests()).isNotEmpty().allSatisfy(r -> {
      assertThat(r.header("Authorization")).isEqualTo("Bearer glsa_secret");
      assertThat(r.header("X-Scope-OrgID")).isEqualTo("tenant-7");
    });
  }

  @Test
  void sendsUserAndKeyAsBasicAuthForGrafanaCloud() throws Exception {
    extra = new String[] {"grafana_stack.api-key", "glc_token", "grafana_stack.user", "123456"};
    server.script(dataPath(), Reply.json(SEARCH));

    source(server.url()).fetch(FROM, TO, 20, 1000);

    String expected = "Basic " + Base64.getEncoder().encodeToString("123456:glc_token".getBytes());
    assertThat(server.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo(expected));
  }

  @Test
  void theStackUrlReachesBothThroughTheDataSourceProxy() throws Exception {
    server.script("/api/datasources/proxy/uid/tempo/api/search", Reply.json(SEARCH));
    server.script("/api/datasources/proxy/uid/tempo/api/traces/5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", Reply.json(TRACE));
    server.script("/api/datasources/proxy/uid/logs-uid/loki/api/v1/query_range", Reply.json(NO_LOGS));
    TelemetrySource source =
        TelemetrySources.create(
            "grafana_stack",
            config(
                "grafana_stack.stack-url", server.url(), "grafana_stack.loki-datasource-uid", "logs-uid", "grafana_stack.api-key", "k"),
            TestConfigs.CLOCK,
            sleeper);

    Batch batch = source.fetch(FROM, TO, 20, 1000);

    assertThat(batch.events()).hasSize(1);
    assertThat(server.requests()).extracting(FakeBackend.Request::path)
        .contains("/api/datasources/proxy/uid/tempo/api/search", "/api/datasources/proxy/uid/logs-uid/loki/api/v1/query_range");
  }

  @Test
  void aFullSearchIsSplitBySecondsUntilDrainedAndTheLimitLeavesABacklog() throws Exception {
    List<Long> seconds = ZipkinSourceTest.spreadOver(FROM, TO, 31).stream().map(us -> us / 1_000_000).toList();
    server.route(dataPath(), r -> Reply.json(searchIn(seconds, r)));
    server.route("/tempo/api/traces/", r -> Reply.json("{}"));
    for (long s : seconds) {
      server.script("/tempo/api/traces/" + String.format("%032x", s), Reply.json(trace(s)));
    }
    TelemetrySource source = source(server.url());
    extra = new String[] {"grafana_stack.loki-url", ""};
    TelemetrySource tempoOnly = source(server.url());

    Batch all = source.fetch(FROM, TO, 4, 1000);
    assertThat(all.backlogFrom()).isNull();
    assertThat(all.events()).extracting(e -> e.time().getEpochSecond()).containsExactlyInAnyOrderElementsOf(seconds);

    Batch first = tempoOnly.fetch(FROM, TO, 4, 10);
    assertThat(first.events()).hasSizeLessThanOrEqualTo(10);
    long backlog = first.backlogFrom().getEpochSecond();
    Set<Long> read = first.events().stream().map(e -> e.time().getEpochSecond()).collect(Collectors.toCollection(HashSet::new));
    assertThat(read).containsAll(seconds.stream().filter(s -> s < backlog).toList());
    tempoOnly.fetch(first.backlogFrom(), TO, 4, 1000).events().forEach(e -> read.add(e.time().getEpochSecond()));
    assertThat(read).containsExactlyInAnyOrderElementsOf(seconds);
  }

  /** Tempo search: the first {@code limit} traces in [start, end] (seconds), in no particular order. */
  static String searchIn(List<Long> seconds, FakeBackend.Request r) {
    long start = Long.parseLong(r.param("start"));
    long end = Long.parseLong(r.param("end"));
    int limit = Integer.parseInt(r.param("limit"));
    return seconds.stream()
        .filter(s -> s >= start && s <= end)
        .sorted((a, b) -> Long.compare(a % 7, b % 7))
        .limit(limit)
        .map(s -> "{\"traceID\":\"" + Long.toHexString(s) + "\",\"rootServiceName\":\"gateway\"}")
        .collect(Collectors.joining(",", "{\"traces\":[", "],\"metrics\":{}}"));
  }

  static String trace(long second) {
    String id = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(String.format("%032x", second)));
    return "{\"batches\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}}]},"
        + "\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + id + "\",\"spanId\":\"AAAAAAAAAAE=\",\"name\":\"op\","
        + "\"startTimeUnixNano\":\"" + second + "000000000\",\"status\":{\"code\":\"STATUS_CODE_ERROR\"}}]}]}]}";
  }
}
