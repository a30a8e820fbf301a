package dev.vigil.rounds.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** OTLP/JSON's rules where they differ from plain protobuf JSON. */
class OtlpJsonTest {
  private final OtlpJson json = new OtlpJson();

  private Span span(String spanJson) throws MalformedRequestException {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    byte[] bytes =
        ("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" + spanJson + "]}]}]}")
            .getBytes(StandardCharsets.UTF_8);
    json.merge(bytes, bytes.length, b);
    return b.build().getResourceSpans(0).getScopeSpans(0).getSpans(0);
  }

  @Test
  void idsAreHexInAnyCaseWhileOtherBytesAreBase64() throws Exception {
    Span s =
        span(
            "{\"traceId\":\"5F2B8C1E9A7D4F3B8E6C2A1D0F9E8B7C\",\"spanId\":\"0c9d8e7f6a5b4c3d\","
                + "\"parentSpanId\":\"\","
                + "\"attributes\":[{\"key\":\"b\",\"value\":{\"bytesValue\":\"obLD1OX2Bxg=\"}}]}");

    assertThat(OtlpValues.hex(s.getTraceId())).isEqualTo("5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c");
    assertThat(OtlpValues.hex(s.getSpanId())).isEqualTo("0c9d8e7f6a5b4c3d");
    assertThat(s.getParentSpanId().isEmpty()).isTrue();
    assertThat(OtlpValues.hex(s.getAttributes(0).getValue().getBytesValue())).isEqualTo("a1b2c3d4e5f60718");
  }

  @Test
  void sixtyFourBitIntegersAreStringsOrNumbersAndEnumsAreNumbers() throws Exception {
    Span s =
        span(
            "{\"startTimeUnixNano\":\"1773480413120000000\",\"endTimeUnixNano\":1773480413365000000,"
                + "\"kind\":2,\"status\":{\"code\":2},\"droppedAttributesCount\":3,"
                + "\"attributes\":[{\"key\":\"n\",\"value\":{\"intValue\":\"-7\"}},"
                + "{\"key\":\"d\",\"value\":{\"doubleValue\":\"NaN\"}},"
                + "{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\"},{\"boolValue\":true}]}}}]}");

    assertThat(s.getStartTimeUnixNano()).isEqualTo(1_773_480_413_120_000_000L);
    assertThat(s.getEndTimeUnixNano()).isEqualTo(1_773_480_413_365_000_000L);
    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(s.getStatus().getCodeValue()).isEqualTo(2);
    assertThat(s.getDroppedAttributesCount()).isEqualTo(3);
    assertThat(s.getAttributes(0).getValue().getIntValue()).isEqualTo(-7);
    assertThat(s.getAttributes(1).getValue().getDoubleValue()).isNaN();
    assertThat(OtlpValues.text(s.getAttributes(2).getValue())).isEqualTo("[\"x\",true]");
  }

  @Test
  void unknownFieldsAndNullsAreIgnored() throws Exception {
    Span s = span("{\"name\":\"x\",\"futureField\":{\"deep\":[1,2,{\"a\":null}]},\"dropped_attributes_count\":4,\"status\":null}");

    assertThat(s.getName()).isEqualTo("x");
    assertThat(s.getDroppedAttributesCount()).isZero();
  }

  @Test
  void logRecordsReadTheirSeverityBodyAndIds() throws Exception {
    ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
    byte[] bytes = OtlpHttpProtocolTest.utf8(OtlpHttpProtocolTest.LOG_JSON);
    json.merge(bytes, bytes.length, b);

    LogRecord r = b.getResourceLogs(0).getScopeLogs(0).getLogRecords(0);
    assertThat(r.getSeverityNumberValue()).isEqualTo(17);
    assertThat(r.getBody()).isEqualTo(AnyValue.newBuilder().setStringValue("order placement failed").build());
    assertThat(OtlpValues.hex(r.getSpanId())).isEqualTo("0c9d8e7f6a5b4c3d");
  }

  @Test
  void wrongShapesNameTheirPath() {
    assertThatThrownBy(() -> span("{\"startTimeUnixNano\":\"soon\"}"))
        .isInstanceOf(MalformedRequestException.class)
        .hasMessage("resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an integer, got 'soon'");
    assertThatThrownBy(() -> span("{\"spanId\":\"0c9d8e7\"}"))
        .hasMessageContaining("spans[0].spanId: expected an even number of hex digits");
    assertThatThrownBy(() -> span("{\"events\":{}}"))
        .hasMessageContaining("spans[0].events: expected an array");
    assertThatThrownBy(() -> span("{\"droppedAttributesCount\":-1}"))
        .hasMessageContaining("droppedAttributesCount: integer -1 is out of range");
  }
}
