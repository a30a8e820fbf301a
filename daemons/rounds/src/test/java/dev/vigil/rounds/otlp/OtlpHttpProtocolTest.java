package dev.vigil.rounds.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** OTLP/HTTP as the specification says, with a plain HTTP client. */
class OtlpHttpProtocolTest {
  /** The failing span of wire-formats.md 1.4, verbatim. */
  static final String SPAN_JSON =
      """
      {"resourceSpans":[{
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
            "status":{"code":2,"message":"cart is empty"}}]}]}]}
      """;

  /** The error log record of wire-formats.md 1.4, verbatim. */
  static final String LOG_JSON =
      """
      {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
        "scopeLogs":[{"scope":{"name":"com.example.checkout.OrderService"},
          "logRecords":[{
            "timeUnixNano":"1773480413361000000",
            "observedTimeUnixNano":"1773480413361500000",
            "severityNumber":17,"severityText":"ERROR",
            "body":{"stringValue":"order placement failed"},
            "attributes":[{"key":"exception.type","value":{"stringValue":"java.lang.IllegalStateException"}}],
            "traceId":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","spanId":"0c9d8e7f6a5b4c3d"}]}]}]}
      """;

  private static final String TRACE = "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c";

  private final HttpClient client = HttpClient.newHttpClient();
  private ReceiverFixture fixture;

  @BeforeEach
  void start() throws IOException {
    fixture = new ReceiverFixture(OtlpSettings.ephemeral().withMaxBodyBytes(64 * 1024));
  }

  @AfterEach
  void stop() {
    fixture.close();
    client.shutdownNow();
  }

  @Test
  void theSpecsJsonSpanBecomesOneEventAndGetsAnEmptyJsonAnswer() throws Exception {
    HttpResponse<String> r = post("/v1/traces", "application/json", utf8(SPAN_JSON), null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).isEqualTo("{}");
    ErrorEvent e = fixture.sink.events().get(0);
    assertThat(fixture.sink.events()).hasSize(1);
    assertThat(e.service()).isEqualTo("checkout");
    assertThat(e.errorType()).isEqualTo("java.lang.IllegalStateException");
    assertThat(e.message()).isEqualTo("cart is empty");
    assertThat(e.stackTrace())
        .isEqualTo(
            "java.lang.IllegalStateException: cart is empty\n"
                + "\tat com.example.checkout.OrderService.place(OrderService.java:88)");
    assertThat(e.time()).isEqualTo(Instant.parse("2026-03-14T09:26:53.360Z"));
    assertThat(e.traceId()).isEqualTo(TRACE);
    assertThat(e.spanId()).isEqualTo("0c9d8e7f6a5b4c3d");
    assertThat(e.attributes())
        .containsEntry("deployment.environment.name", "prod")
        .containsEntry("span.name", "OrderService.place");
    // the exception event stands for the error status: one event, not two
    RecentTelemetry.RecentSpan span = fixture.buffer.spans(TRACE.toUpperCase()).get(0);
    assertThat(span.parentSpanId()).isEqualTo("a1b2c3d4e5f60718");
    assertThat(span.span().getKindValue()).isEqualTo(1);
    assertThat(span.span().getAttributes(0).getValue().getIntValue()).isZero();
  }

  @Test
  void theSpecsJsonLogRecordBecomesAnEventWithTheBodyAsMessage() throws Exception {
    HttpResponse<String> r = post("/v1/logs", "application/json", utf8(LOG_JSON), null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{}");
    assertThat(fixture.sink.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.errorType()).isEqualTo("java.lang.IllegalStateException");
              assertThat(e.message()).isEqualTo("order placement failed");
              assertThat(e.time()).isEqualTo(Instant.parse("2026-03-14T09:26:53.361Z"));
              assertThat(e.traceId()).isEqualTo(TRACE);
              assertThat(e.spanId()).isEqualTo("0c9d8e7f6a5b4c3d");
              assertThat(e.severity()).isEqualTo(Severity.ERROR);
            });
    assertThat(fixture.buffer.logs(TRACE)).hasSize(1);
  }

  @Test
  void aGzippedProtobufBodyIsAnsweredInProtobuf() throws Exception {
    byte[] body = request(span(trace(1), spanId(1), "failing", true)).toByteArray();

    HttpResponse<byte[]> r = postBytes("/v1/traces", "application/x-protobuf", gzip(body), "gzip");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/x-protobuf");
    assertThat(ExportTraceServiceResponse.parseFrom(r.body()).hasPartialSuccess()).isFalse();
    assertThat(fixture.sink.events()).singleElement().extracting(ErrorEvent::message).isEqualTo("boom");
  }

  @Test
  void aGzippedJsonBodyIsRead() throws Exception {
    HttpResponse<byte[]> r = postBytes("/v1/traces", "application/json", gzip(utf8(SPAN_JSON)), "gzip");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(fixture.sink.events()).hasSize(1);
  }

  @Test
  void aBodyOverTheLimitIs413AndNothingIsIngested() throws Exception {
    byte[] big = new byte[64 * 1024 + 1];

    HttpResponse<String> r = post("/v1/traces", "application/x-protobuf", big, null);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(fixture.sink.calls()).isZero();
  }

  @Test
  void aGzipBodyThatInflatesOverTheLimitIs413() throws Exception {
    // 1 MiB of zeros compresses to about 1 KiB: the limit counts what it inflates to
    byte[] bomb = gzip(new byte[1024 * 1024]);
    assertThat(bomb.length).isLessThan(64 * 1024);

    HttpResponse<String> r = post("/v1/traces", "application/json", bomb, "gzip");

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("after decompression");
  }

  @Test
  void malformedJsonIs400WithTheReason() throws Exception {
    HttpResponse<String> r =
        post("/v1/traces", "application/json", utf8("{\"resourceSpans\": [ {\"resource\": 3} ]}"), null);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).contains("\"code\":3").contains("resourceSpans[0].resource: expected an object");
  }

  @Test
  void aTraceIdThatIsNotHexIs400NamingTheField() throws Exception {
    String json = SPAN_JSON.replace("5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "XyuMHpp9TzuObCodD56LfA==");

    HttpResponse<String> r = post("/v1/traces", "application/json", utf8(json), null);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("resourceSpans[0].scopeSpans[0].spans[0].traceId");
  }

  @Test
  void notJsonAtAllIs400() throws Exception {
    HttpResponse<String> r = post("/v1/traces", "application/json", utf8("{\"resourceSpans\": [}"), null);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("not valid JSON");
  }

  @Test
  void malformedProtobufIs400WithAStatusInProtobuf() throws Exception {
    HttpResponse<byte[]> r =
        postBytes("/v1/traces", "application/x-protobuf", new byte[] {0x0a, 0x7f, 0x01}, null);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/x-protobuf");
    // google.rpc.Status: field 1 code = 3 (INVALID_ARGUMENT), field 2 the message
    assertThat(r.body()[0]).isEqualTo((byte) 0x08);
    assertThat(r.body()[1]).isEqualTo((byte) 3);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("not a valid protobuf");
  }

  @Test
  void aCorruptGzipBodyIs400() throws Exception {
    HttpResponse<String> r = post("/v1/traces", "application/json", utf8("not gzip at all"), "gzip");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("gzip");
  }

  @Test
  void anotherContentTypeIs415() throws Exception {
    HttpResponse<String> r = post("/v1/traces", "text/plain", utf8("hello"), null);

    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.body()).contains("application/x-protobuf");
  }

  @Test
  void anotherContentEncodingIs415() throws Exception {
    HttpResponse<String> r = post("/v1/traces", "application/json", utf8(SPAN_JSON), "br");

    assertThat(r.statusCode()).isEqualTo(415);
  }

  @Test
  void anotherMethodIs405WithAllow() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(fixture.http("/v1/traces")).GET().build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("allow")).hasValue("POST");
  }

  @Test
  void anotherPathIs404() throws Exception {
    HttpResponse<String> r = post("/v1/profiles", "application/json", utf8("{}"), null);

    assertThat(r.statusCode()).isEqualTo(404);
  }

  @Test
  void metricsAreAcceptedAndDropped() throws Exception {
    HttpResponse<String> r = post("/v1/metrics", "application/json", utf8("{\"resourceMetrics\":[]}"), null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(fixture.sink.calls()).isZero();
  }

  @Test
  void anEmptyRequestIs200() throws Exception {
    assertThat(post("/v1/traces", "application/json", utf8("{}"), null).statusCode()).isEqualTo(200);
    assertThat(post("/v1/logs", "application/x-protobuf", new byte[0], null).statusCode()).isEqualTo(200);
    assertThat(fixture.sink.calls()).isZero();
  }

  @Test
  void anUnusableSpanIsRejectedInAPartialSuccessAndTheRestIsIngested() throws Exception {
    // the second span's trace id is two bytes: valid hex, but not a trace id
    String json =
        SPAN_JSON.replace(
            "\"status\":{\"code\":2,\"message\":\"cart is empty\"}}]",
            "\"status\":{\"code\":2,\"message\":\"cart is empty\"}},"
                + "{\"traceId\":\"abcd\",\"spanId\":\"0c9d8e7f6a5b4c3e\",\"name\":\"bad\","
                + "\"status\":{\"code\":2}}]");

    HttpResponse<String> r = post("/v1/traces", "application/json", utf8(json), null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .startsWith("{\"partialSuccess\":{\"rejectedSpans\":\"1\",\"errorMessage\":\"1 of 2 spans rejected")
        .contains("resourceSpans[0].scopeSpans[0].spans[1]: trace id has 2 bytes, expected 16");
    assertThat(fixture.sink.events()).hasSize(1);
  }

  @Test
  void anUnusableSpanInProtobufIsAPartialSuccessInProtobuf() throws Exception {
    ExportTraceServiceRequest request =
        request(
            span(trace(1), spanId(1), "good", true),
            span(trace(2), ByteString.copyFrom(new byte[8]), "zero span id", true));

    HttpResponse<byte[]> r = postBytes("/v1/traces", "application/x-protobuf", request.toByteArray(), null);

    assertThat(r.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse answer = ExportTraceServiceResponse.parseFrom(r.body());
    assertThat(answer.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(answer.getPartialSuccess().getErrorMessage()).contains("span id is all zeros");
    assertThat(fixture.sink.events()).hasSize(1);
  }

  @Test
  void anUnusableLogRecordIsRejectedInAPartialSuccess() throws Exception {
    String json = LOG_JSON.replace("\"spanId\":\"0c9d8e7f6a5b4c3d\"", "\"spanId\":\"0c9d\"");

    HttpResponse<String> r = post("/v1/logs", "application/json", utf8(json), null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"rejectedLogRecords\":\"1\"").contains("span id has 2 bytes");
    assertThat(fixture.sink.calls()).isZero();

    HttpResponse<byte[]> proto =
        postBytes(
            "/v1/logs",
            "application/x-protobuf",
            toProtoLogs(json),
            null);
    assertThat(ExportLogsServiceResponse.parseFrom(proto.body()).getPartialSuccess().getRejectedLogRecords())
        .isEqualTo(1);
  }

  @Test
  void aSinkFailureIs503SoTheExporterRetriesAndTheRetryIsIngested() throws Exception {
    fixture.sink.failWith(new IllegalStateException("database is locked"));

    HttpResponse<String> r = post("/v1/traces", "application/json", utf8(SPAN_JSON), null);

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("\"code\":14").contains("database is locked");
    assertThat(fixture.buffer.spanCount()).as("nothing buffered for a failed request").isZero();
    assertThat(fixture.metrics.currentSinkFailure()).isNotNull();

    fixture.sink.failWith(null);
    assertThat(post("/v1/traces", "application/json", utf8(SPAN_JSON), null).statusCode()).isEqualTo(200);
    assertThat(fixture.sink.events()).hasSize(1);
    assertThat(fixture.metrics.currentSinkFailure()).isNull();
  }

  @Test
  void anErrorStatusWithoutAnExceptionEventTakesTypeFromAttributesAndMessageFromStatus()
      throws Exception {
    Span span =
        span(trace(3), spanId(3), "GET /cart", false).toBuilder()
            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("upstream timed out"))
            .addAttributes(kv("error.type", "timeout"))
            .build();

    postBytes("/v1/traces", "application/x-protobuf", request(span).toByteArray(), null);

    assertThat(fixture.sink.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.errorType()).isEqualTo("timeout");
              assertThat(e.message()).isEqualTo("upstream timed out");
              assertThat(e.service()).isEqualTo("cart");
              assertThat(e.time()).isEqualTo(Instant.ofEpochSecond(1_773_480_413L));
            });
  }

  @Test
  void theOldInstrumentationLibraryNamesAreRead() throws Exception {
    String old =
        SPAN_JSON.replace("scopeSpans", "instrumentationLibrarySpans").replace("\"scope\"", "\"instrumentationLibrary\"");

    assertThat(post("/v1/traces", "application/json", utf8(old), null).statusCode()).isEqualTo(200);
    assertThat(fixture.sink.events()).singleElement().extracting(ErrorEvent::service).isEqualTo("checkout");
  }

  @Test
  void metricsCountRequestsByOutcome() throws Exception {
    post("/v1/traces", "application/json", utf8(SPAN_JSON), null);
    post("/v1/traces", "application/json", utf8("[]"), null);

    var snapshots = fixture.metrics.collect();
    var requests =
        snapshots.stream().filter(m -> m.getMetadata().getName().equals("vigil_otlp_requests")).findFirst().orElseThrow();
    assertThat(requests.getDataPoints())
        .anySatisfy(
            p -> {
              assertThat(p.getLabels().get("outcome")).isEqualTo("ok");
              assertThat(p.getLabels().get("transport")).isEqualTo("http");
              assertThat(p.getLabels().get("signal")).isEqualTo("traces");
              assertThat(((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) p).getValue())
                  .isEqualTo(1.0);
            });
    assertThat(fixture.metrics.requestCount(OtlpMetrics.Outcome.BAD_REQUEST)).isEqualTo(1);
    assertThat(fixture.metrics.errorEventCount()).isEqualTo(1);
  }

  // ------------------------------------------------------------------------------ helpers

  private HttpResponse<String> post(String path, String type, byte[] body, String encoding)
      throws IOException, InterruptedException {
    return client.send(build(path, type, body, encoding), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<byte[]> postBytes(String path, String type, byte[] body, String encoding)
      throws IOException, InterruptedException {
    return client.send(build(path, type, body, encoding), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpRequest build(String path, String type, byte[] body, String encoding) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(fixture.http(path))
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    return b.build();
  }

  private static byte[] toProtoLogs(String json) throws MalformedRequestException {
    var b = io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.newBuilder();
    byte[] bytes = utf8(json);
    new OtlpJson().merge(bytes, bytes.length, b);
    return b.build().toByteArray();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] gzip(byte[] body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(body);
    }
    return out.toByteArray();
  }

  static ByteString trace(int n) {
    return ByteString.copyFrom(HexFormat.of().parseHex(String.format("%032x", 0x1000 + n)));
  }

  static ByteString spanId(int n) {
    return ByteString.copyFrom(HexFormat.of().parseHex(String.format("%016x", 0x100 + n)));
  }

  static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static Span span(ByteString trace, ByteString id, String name, boolean exception) {
    Span.Builder b =
        Span.newBuilder()
            .setTraceId(trace)
            .setSpanId(id)
            .setName(name)
            .setStartTimeUnixNano(1_773_480_412_000_000_000L)
            .setEndTimeUnixNano(1_773_480_413_000_000_000L);
    if (exception) {
      b.addEvents(
          Span.Event.newBuilder()
              .setName("exception")
              .setTimeUnixNano(1_773_480_412_500_000_000L)
              .addAttributes(kv("exception.type", "java.lang.RuntimeException"))
              .addAttributes(kv("exception.message", "boom")));
    }
    return b.build();
  }

  static ExportTraceServiceRequest request(Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("service.name", "cart")))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(java.util.List.of(spans))))
        .build();
  }
}
