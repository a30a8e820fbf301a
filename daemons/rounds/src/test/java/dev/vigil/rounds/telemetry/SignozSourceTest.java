package dev.vigil.rounds.telemetry;

import static dev.vigil.rounds.telemetry.FakeBackend.Reply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetrySource;
import dev.vigil.rounds.TelemetrySource.Batch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The SigNoz source against a fake SigNoz query service speaking the v5 API. */
class SignozSourceTest extends SourceContractTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** wire-formats 2.4, with the events column as SigNoz returns it (objects, or older: strings). */
  static final String ONE_ROW =
      """
      {"status":"success","data":{"type":"raw",
        "data":{"results":[{"queryName":"A","nextCursor":"","rows":[{
          "timestamp":"2026-03-14T09:26:53.12Z",
          "data":{"timestamp":"2026-03-14T09:26:53.12Z","trace_id":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c",
                  "span_id":"0c9d8e7f6a5b4c3d","service.name":"checkout","name":"OrderService.place",
                  "duration_nano":245000000,"status_message":"cart is empty","has_error":true,
                  "events":["{\\"name\\":\\"exception\\",\\"timeUnixNano\\":1773480413360000000,\\"attributeMap\\":{\\"exception.type\\":\\"java.lang.IllegalStateException\\",\\"exception.message\\":\\"cart is empty\\",\\"exception.stacktrace\\":\\"java.lang.IllegalStateException: cart is empty\\"},\\"isError\\":true}"]}}]}]},
        "meta":{"rowsScanned":1520,"bytesScanned":412000,"durationMs":38}}}
      """;

  String serviceFilter = "";

  @Override
  TelemetrySource source(String url) {
    return TelemetrySources.create(
        "signoz",
        config("signoz.url", url + "/", "signoz.api-key", "sk-test-123", "service-filter", serviceFilter),
        TestConfigs.CLOCK,
        sleeper);
  }

  @Override
  String dataPath() {
    return "/api/v5/query_range";
  }

  @Override
  String oneEventBody() {
    return ONE_ROW;
  }

  @Test
  void postsAV5RawTraceQueryWithTheApiKeyAndMilliseconds() throws Exception {
    serviceFilter = "checkout,pay'ments";
    server.script(dataPath(), Reply.json(ONE_ROW));

    Batch batch = source(server.url()).fetch(FROM, TO, 50, 1000);

    FakeBackend.Request r = server.requests().get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.header("SIGNOZ-API-KEY")).isEqualTo("sk-test-123");
    assertThat(r.header("Authorization")).isNull();
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("start").asLong()).isEqualTo(1773479513000L);
    assertThat(body.get("end").asLong()).isEqualTo(1773480600000L);
    assertThat(body.get("requestType").asText()).isEqualTo("raw");
    assertThat(body.fieldNames()).toIterable().containsExactlyInAnyOrder("schemaVersion", "start", "end", "requestType", "compositeQuery");
    JsonNode q = body.at("/compositeQuery/queries/0");
    assertThat(q.get("type").asText()).isEqualTo("builder_query");
    JsonNode spec = q.get("spec");
    assertThat(spec.get("signal").asText()).isEqualTo("traces");
    assertThat(spec.at("/filter/expression").asText())
        .isEqualTo("has_error = true AND (service.name = 'checkout' OR service.name = 'pay\\'ments')");
    assertThat(spec.at("/order/0/key/name").asText()).isEqualTo("timestamp");
    assertThat(spec.at("/order/0/direction").asText()).isEqualTo("asc");
    assertThat(spec.get("limit").asInt()).isEqualTo(50);
    assertThat(spec.get("offset").asInt()).isZero();
    assertThat(batch.events())
        .containsExactly(
            new ErrorEvent(
                "signoz", "checkout", "java.lang.IllegalStateException", "cart is empty",
                "java.lang.IllegalStateException: cart is empty", Instant.parse("2026-03-14T09:26:53.360Z"),
                "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "0c9d8e7f6a5b4c3d", Severity.ERROR,
                Map.of("span.name", "OrderService.place")));
    assertThat(batch.backlogFrom()).isNull();
  }

  @Test
  void readsEventsGivenAsObjectsAndSpansWithoutException() throws Exception {
    server.script(
        dataPath(),
        Reply.json(
            page(
                List.of(
                    row("2026-03-14T09:20:00.000000001Z", "1", "checkout", "[{\"name\":\"exception\",\"time\":\"2026-03-14T09:20:00.5Z\","
                        + "\"attributes\":{\"exception.type\":\"TimeoutError\",\"exception.message\":\"took too long\",\"exception.escaped\":false}}]"),
                    row("2026-03-14T09:21:00Z", "2", "payments", "[]")))));

    Batch batch = source(server.url()).fetch(FROM, TO, 50, 1000);

    assertThat(batch.events())
        .extracting(ErrorEvent::service, ErrorEvent::errorType, ErrorEvent::message, ErrorEvent::time)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("checkout", "TimeoutError", "took too long", Instant.parse("2026-03-14T09:20:00.5Z")),
            org.assertj.core.groups.Tuple.tuple("payments", "", "status of 2", Instant.parse("2026-03-14T09:21:00Z")));
  }

  @Test
  void nullRowsMeanNothingMatched() throws Exception {
    server.script(
        dataPath(),
        Reply.json("{\"status\":\"success\",\"data\":{\"type\":\"raw\",\"data\":{\"results\":[{\"queryName\":\"A\",\"nextCursor\":\"\",\"rows\":null}]},\"meta\":{}}}"));

    Batch batch = source(server.url()).fetch(FROM, TO, 50, 1000);

    assertThat(batch.events()).isEmpty();
    assertThat(batch.backlogFrom()).isNull();
  }

  @Test
  void aV5ErrorEnvelopeIsReportedWithItsMessage() {
    server.script(
        dataPath(),
        Reply.status(
            400,
            "{\"status\":\"error\",\"error\":{\"type\":\"invalid-input\",\"code\":\"invalid_input\",\"message\":\"unknown field foo\",\"errors\":[],\"suggestions\":[]}}"));

    assertThatThrownBy(() -> source(server.url()).fetch(FROM, TO, 50, 1000))
        .isInstanceOf(TelemetryException.class)
        .hasMessageContaining("unknown field foo")
        .hasMessageNotContaining("sk-test-123");
  }

  @Test
  void oneBadRowIsSkippedAndCounted() throws Exception {
    List<String> rows = new ArrayList<>(List.of(row("2026-03-14T09:20:00Z", "1", "a", "[]"), row("2026-03-14T09:20:01Z", "2", "a", "[]")));
    rows.add(1, "{\"timestamp\":\"not a time\",\"data\":{}}");
    server.script(dataPath(), Reply.json(page(rows)));

    Batch batch = source(server.url()).fetch(FROM, TO, 50, 1000);

    assertThat(batch.events()).hasSize(2);
    assertThat(batch.skippedRows()).isEqualTo(1);
  }

  @Test
  void pagesWithOffsetUntilAShortPage() throws Exception {
    List<String> all = rows(23);
    server.route(dataPath(), r -> Reply.json(slice(all, r)));

    Batch batch = source(server.url()).fetch(FROM, TO, 10, 1000);

    assertThat(batch.events()).hasSize(23);
    assertThat(batch.backlogFrom()).isNull();
    assertThat(server.requests()).extracting(r -> spec(r).get("offset").asInt()).containsExactly(0, 10, 20);
  }

  @Test
  void theLimitEndsTheReadWithABacklogAtTheLastRowRead() throws Exception {
    List<String> all = rows(23);
    server.route(dataPath(), r -> Reply.json(slice(all, r)));

    Batch batch = source(server.url()).fetch(FROM, TO, 10, 15);

    assertThat(batch.events()).hasSize(15);
    assertThat(server.requests()).extracting(r -> spec(r).get("limit").asInt()).containsExactly(10, 5);
    assertThat(batch.backlogFrom()).isEqualTo(batch.events().get(14).time());
  }

  static JsonNode spec(FakeBackend.Request r) {
    try {
      return JSON.readTree(r.body()).at("/compositeQuery/queries/0/spec");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static List<String> rows(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(row(Instant.parse("2026-03-14T09:12:00Z").plusSeconds(i * 10L).toString(), Integer.toString(i + 1), "checkout", "[]"));
    }
    return out;
  }

  static String slice(List<String> rows, FakeBackend.Request r) {
    JsonNode spec = spec(r);
    int offset = spec.get("offset").asInt();
    int limit = spec.get("limit").asInt();
    return page(rows.subList(Math.min(offset, rows.size()), Math.min(offset + limit, rows.size())));
  }

  static String row(String time, String spanId, String service, String events) {
    return String.format(
        "{\"timestamp\":\"%s\",\"data\":{\"timestamp\":\"%s\",\"trace_id\":\"%032x\",\"span_id\":\"%s\",\"service.name\":\"%s\","
            + "\"name\":\"op\",\"status_message\":\"status of %s\",\"has_error\":true,\"events\":%s}}",
        time, time, Long.parseLong(spanId), spanId, service, spanId, events);
  }

  static String page(List<String> rows) {
    return rows.stream()
        .collect(
            Collectors.joining(
                ",",
                "{\"status\":\"success\",\"data\":{\"type\":\"raw\",\"data\":{\"results\":[{\"queryName\":\"A\",\"nextCursor\":\"\",\"rows\":[",
                "]}]},\"meta\":{\"rowsScanned\":1,\"bytesScanned\":1,\"durationMs\":1}}}"));
  }
}
