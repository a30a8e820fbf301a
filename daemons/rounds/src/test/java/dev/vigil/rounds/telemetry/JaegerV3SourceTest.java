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

/** The Jaeger source speaking api_v3 (Jaeger v2), and the detection of which API a server has. */
class JaegerV3SourceTest extends SourceContractTest {
  /** wire-formats 1.4 / 3.5: api_v3 wraps OTLP/JSON TracesData in "result". */
  static final String RESULT =
      """
      {"result":{"resourceSpans":[{
        "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},
          {"key":"deployment.environment.name","value":{"stringValue":"prod"}}]},
        "scopeSpans":[{"scope":{"name":"com.example.checkout","version":"2.4.1"},
          "spans":[{"traceId":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","spanId":"0c9d8e7f6a5b4c3d",
            "parentSpanId":"a1b2c3d4e5f60718","name":"OrderService.place","kind":1,
            "startTimeUnixNano":"1773480413120000000","endTimeUnixNano":"1773480413365000000",
            "attributes":[{"key":"order.items","value":{"intValue":"0"}}],
            "events":[{"timeUnixNano":"1773480413360000000","name":"exception","attributes":[
              {"key":"exception.type","value":{"stringValue":"java.lang.IllegalStateException"}},
              {"key":"exception.message","value":{"stringValue":"cart is empty"}},
              {"key":"exception.stacktrace","value":{"stringValue":"java.lang.IllegalStateException: cart is empty\\n\\tat com.example.checkout.OrderService.place(OrderService.java:88)"}}]}],
            "status":{"code":2,"message":"cart is empty"}},
           {"traceId":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","spanId":"1111111111111111",
            "name":"CartRepository.load","kind":3,
            "startTimeUnixNano":"1773480413130000000","endTimeUnixNano":"1773480413140000000",
            "status":{}}]}]}]}}
      """;

  String version = "v3";

  @Override
  TelemetrySource source(String url) {
    return TelemetrySources.create(
        "jaeger", config("jaeger.url", url, "jaeger.api-version", version), TestConfigs.CLOCK, sleeper);
  }

  @Override
  String dataPath() {
    return "/api/v3/traces";
  }

  @Override
  String oneEventBody() {
    return RESULT;
  }

  @Override
  void routeOthers(FakeBackend fake) {
    fake.script("/api/v3/services", Reply.json("{\"services\":[\"checkout\"]}"));
  }

  @Test
  void searchesWithSnakeCaseParametersAndRfc3339Times() throws Exception {
    server.script(dataPath(), Reply.json(RESULT));

    Batch batch = source(server.url()).fetch(FROM, TO, 20, 1000);

    FakeBackend.Request r = server.requests(dataPath()).get(0);
    assertThat(r.query())
        .containsOnlyKeys("query.service_name", "query.start_time_min", "query.start_time_max", "query.num_traces");
    assertThat(r.param("query.service_name")).isEqualTo("checkout");
    assertThat(r.param("query.start_time_min")).isEqualTo("2026-03-14T09:11:53Z");
    assertThat(r.param("query.start_time_max")).isEqualTo("2026-03-14T09:30:00Z");
    assertThat(r.param("query.num_traces")).isEqualTo("20");
    assertThat(batch.events())
        .containsExactly(
            new ErrorEvent(
                "jaeger", "checkout", "java.lang.IllegalStateException", "cart is empty",
                "java.lang.IllegalStateException: cart is empty\n\tat com.example.checkout.OrderService.place(OrderService.java:88)",
                Instant.parse("2026-03-14T09:26:53.360Z"), "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "0c9d8e7f6a5b4c3d",
                Severity.ERROR, Map.of("span.name", "OrderService.place")));
  }

  @Test
  void noTracesFoundIsA404AndMeansNoEvents() throws Exception {
    server.script(dataPath(), Reply.status(404, "{\"error\":{\"httpCode\":404,\"message\":\"No traces found\"}}"));

    Batch batch = source(server.url()).fetch(FROM, TO, 20, 1000);

    assertThat(batch.events()).isEmpty();
    assertThat(batch.backlogFrom()).isNull();
  }

  @Test
  void a404WithoutJaegersBodyIsAnError() {
    server.script(dataPath(), Reply.status(404, "{\"message\":\"no route\"}"));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> source(server.url()).fetch(FROM, TO, 20, 1000))
        .isInstanceOf(dev.vigil.rounds.TelemetryException.class);
  }

  @Test
  void autoDetectsApiV3AndRemembersIt() throws Exception {
    version = "auto";
    server.script(dataPath(), Reply.json(RESULT));
    TelemetrySource source = source(server.url());

    source.fetch(FROM, TO, 20, 1000);
    source.fetch(FROM, TO, 20, 1000);

    assertThat(((JaegerSource) source).api()).isEqualTo(JaegerSource.Api.V3);
    assertThat(server.requests(dataPath())).hasSize(2);
    assertThat(server.requests("/api/v3/services")).hasSize(3); // one detection, one list per fetch
  }

  @Test
  void autoFallsBackToV1WhenApiV3IsMissingOrTheUiAnswers() throws Exception {
    version = "auto";
    for (Reply v3Answer : List.of(Reply.status(404, "404 page not found"), new Reply(200, "<!doctype html><html>", Map.of(), false))) {
      server.script("/api/v3/services", v3Answer);
      server.script("/api/services", Reply.json("{\"data\":[\"checkout\"],\"total\":1,\"limit\":0,\"offset\":0,\"errors\":null}"));
      server.script("/api/traces", Reply.json(JaegerV1SourceTest.TRACES));
      TelemetrySource source = source(server.url());

      Batch batch = source.fetch(FROM, TO, 20, 1000);

      assertThat(((JaegerSource) source).api()).isEqualTo(JaegerSource.Api.V1);
      assertThat(batch.events()).extracting(ErrorEvent::errorType).containsExactly("java.lang.IllegalStateException");
    }
  }

  @Test
  void aFullSearchIsSplitUntilDrainedAndTheLimitLeavesABacklog() throws Exception {
    List<Long> times = ZipkinSourceTest.spreadOver(FROM, TO, 33);
    server.route(dataPath(), r -> tracesIn(times, r));
    TelemetrySource source = source(server.url());

    Batch all = source.fetch(FROM, TO, 5, 1000);
    assertThat(all.backlogFrom()).isNull();
    assertThat(all.events()).extracting(e -> Json.toMicros(e.time())).containsExactlyInAnyOrderElementsOf(times);

    Batch first = source.fetch(FROM, TO, 5, 12);
    assertThat(first.events()).hasSizeLessThanOrEqualTo(12);
    Set<Long> read = first.events().stream().map(e -> Json.toMicros(e.time())).collect(Collectors.toCollection(HashSet::new));
    long backlog = Json.toMicros(first.backlogFrom());
    assertThat(read).containsAll(times.stream().filter(t -> t < backlog).toList());
    source.fetch(first.backlogFrom(), TO, 5, 1000).events().forEach(e -> read.add(Json.toMicros(e.time())));
    assertThat(read).containsExactlyInAnyOrderElementsOf(times);
  }

  /** api_v3 search: traces with a span in the window (all of them, errors or not), 404 if none. */
  static Reply tracesIn(List<Long> times, FakeBackend.Request r) {
    long min = Json.toMicros(Instant.parse(r.param("query.start_time_min")));
    long max = Json.toMicros(Instant.parse(r.param("query.start_time_max")));
    int limit = Integer.parseInt(r.param("query.num_traces"));
    List<Long> hits = times.stream().filter(t -> t >= min && t <= max).limit(limit).toList();
    if (hits.isEmpty()) {
      return Reply.status(404, "{\"error\":{\"httpCode\":404,\"message\":\"No traces found\"}}");
    }
    String spans =
        hits.stream()
            .map(
                t ->
                    String.format(
                        "{\"traceId\":\"%032x\",\"spanId\":\"%016x\",\"name\":\"op\",\"startTimeUnixNano\":\"%d000\","
                            + "\"status\":{\"code\":2,\"message\":\"boom\"}}",
                        t, t, t))
            .collect(Collectors.joining(","));
    return Reply.json(
        "{\"result\":{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}}]},"
            + "\"scopeSpans\":[{\"scope\":{},\"spans\":[" + spans + "]}]}]}}");
  }
}
