package dev.vigil.rounds.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenTelemetry Java SDK exports over OTLP/HTTP (protobuf) to the receiver. */
class OtlpSdkHttpExportTest {
  private static final Resource CHECKOUT =
      Resource.getDefault()
          .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "checkout")));

  private ReceiverFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = new ReceiverFixture();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void aRecordedExceptionBecomesAnErrorEventWithServiceTypeMessageStackAndIds() {
    SdkTracerProvider tracing = tracing(false);
    Tracer tracer = tracing.get("com.example.checkout");
    Span root = tracer.spanBuilder("POST /orders").startSpan();
    Span child;
    IllegalStateException thrown = new IllegalStateException("cart is empty");
    try (Scope ignored = root.makeCurrent()) {
      child = tracer.spanBuilder("OrderService.place").setAttribute("http.route", "/orders").startSpan();
      child.recordException(thrown);
      child.setStatus(StatusCode.ERROR, "cart is empty");
      child.end();
    }
    root.end();
    assertSucceeded(tracing.forceFlush());
    tracing.shutdown().join(5, TimeUnit.SECONDS);

    List<ErrorEvent> events = fixture.sink.events();
    assertThat(events).hasSize(1);
    ErrorEvent e = events.get(0);
    assertThat(e.source()).isEqualTo("otlp");
    assertThat(e.service()).isEqualTo("checkout");
    assertThat(e.errorType()).isEqualTo("java.lang.IllegalStateException");
    assertThat(e.message()).isEqualTo("cart is empty");
    assertThat(e.stackTrace())
        .startsWith("java.lang.IllegalStateException: cart is empty")
        .contains("at dev.vigil.rounds.otlp.OtlpSdkHttpExportTest.");
    assertThat(e.traceId()).isEqualTo(child.getSpanContext().getTraceId());
    assertThat(e.spanId()).isEqualTo(child.getSpanContext().getSpanId());
    assertThat(e.severity()).isEqualTo(Severity.ERROR);
    assertThat(e.attributes()).containsEntry("http.route", "/orders");
    assertThat(e.attributes()).containsEntry("span.name", "OrderService.place");

    // both spans of the trace are buffered for the diagnosis, the child pointing at the root
    List<RecentTelemetry.RecentSpan> trace = fixture.buffer.spans(e.traceId());
    assertThat(trace)
        .extracting(RecentTelemetry.RecentSpan::spanId)
        .containsExactlyInAnyOrder(
            child.getSpanContext().getSpanId(), root.getSpanContext().getSpanId());
    RecentTelemetry.RecentSpan buffered =
        trace.stream().filter(s -> s.spanId().equals(e.spanId())).findFirst().orElseThrow();
    assertThat(buffered.parentSpanId()).isEqualTo(root.getSpanContext().getSpanId());
    assertThat(buffered.service()).isEqualTo("checkout");
    assertThat(buffered.span().getName()).isEqualTo("OrderService.place");
  }

  @Test
  void gzipExportsAreReadAndSpansWithoutErrorsMakeNoEvents() {
    SdkTracerProvider tracing = tracing(true);
    Tracer tracer = tracing.get("com.example.checkout");
    Span fine = tracer.spanBuilder("GET /health").startSpan();
    fine.end();
    Span failed = tracer.spanBuilder("GET /cart").startSpan();
    failed.recordException(new java.net.SocketTimeoutException("Read timed out"));
    failed.end();
    assertSucceeded(tracing.forceFlush());
    tracing.shutdown().join(5, TimeUnit.SECONDS);

    assertThat(fixture.sink.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.errorType()).isEqualTo("java.net.SocketTimeoutException");
              assertThat(e.message()).isEqualTo("Read timed out");
            });
    assertThat(fixture.buffer.spanCount()).isEqualTo(2);
  }

  @Test
  void anErrorLogWithAnExceptionBecomesAnEventWithItsTraceAndSpan() {
    SdkTracerProvider tracing = tracing(false);
    Span span = tracing.get("t").spanBuilder("OrderService.place").startSpan();
    OtlpHttpLogRecordExporter exporter =
        OtlpHttpLogRecordExporter.builder().setEndpoint(fixture.http("/v1/logs").toString()).build();
    SdkLoggerProvider logging =
        SdkLoggerProvider.builder()
            .setResource(CHECKOUT)
            .addLogRecordProcessor(SimpleLogRecordProcessor.create(exporter))
            .build();
    var logger = logging.get("com.example.checkout.OrderService");
    Context withSpan = Context.current().with(span);
    logger
        .logRecordBuilder()
        .setContext(withSpan)
        .setSeverity(io.opentelemetry.api.logs.Severity.ERROR)
        .setSeverityText("ERROR")
        .setBody("order placement failed")
        .setException(new IllegalStateException("cart is empty"))
        .emit();
    logger
        .logRecordBuilder()
        .setContext(withSpan)
        .setSeverity(io.opentelemetry.api.logs.Severity.INFO)
        .setBody("order received")
        .emit();
    logger
        .logRecordBuilder()
        .setSeverity(io.opentelemetry.api.logs.Severity.FATAL)
        .setBody("out of memory")
        .emit();
    assertSucceeded(logging.forceFlush());
    logging.shutdown().join(5, TimeUnit.SECONDS);
    span.end();
    tracing.shutdown().join(5, TimeUnit.SECONDS);

    List<ErrorEvent> events = fixture.sink.events();
    assertThat(events).hasSize(2);
    ErrorEvent error = events.stream().filter(e -> e.severity() == Severity.ERROR).findFirst().orElseThrow();
    assertThat(error.service()).isEqualTo("checkout");
    assertThat(error.errorType()).isEqualTo("java.lang.IllegalStateException");
    assertThat(error.message()).isEqualTo("cart is empty");
    assertThat(error.stackTrace()).startsWith("java.lang.IllegalStateException: cart is empty");
    assertThat(error.attributes()).containsEntry("log.body", "order placement failed");
    assertThat(error.traceId()).isEqualTo(span.getSpanContext().getTraceId());
    assertThat(error.spanId()).isEqualTo(span.getSpanContext().getSpanId());
    ErrorEvent fatal = events.stream().filter(e -> e.severity() == Severity.FATAL).findFirst().orElseThrow();
    assertThat(fatal.message()).isEqualTo("out of memory");
    assertThat(fatal.traceId()).isEmpty();

    // the two records of the trace are kept for correlation, the one without a trace is not
    assertThat(fixture.buffer.logs(span.getSpanContext().getTraceId())).hasSize(2);
    assertThat(fixture.buffer.logCount()).isEqualTo(2);
  }

  private SdkTracerProvider tracing(boolean gzip) {
    var exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(fixture.http("/v1/traces").toString())
            .setCompression(gzip ? "gzip" : "none")
            .build();
    return SdkTracerProvider.builder()
        .setResource(CHECKOUT)
        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
        .build();
  }

  private static void assertSucceeded(CompletableResultCode result) {
    assertThat(result.join(10, TimeUnit.SECONDS).isSuccess()).as("export succeeded").isTrue();
  }
}
