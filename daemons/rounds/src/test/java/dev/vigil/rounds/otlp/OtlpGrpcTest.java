package dev.vigil.rounds.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
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

/** OTLP/gRPC: the SDK's gRPC exporters, and a grpc-java client for the answers. */
class OtlpGrpcTest {
  private static final Resource BILLING =
      Resource.getDefault()
          .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "billing")));

  private ReceiverFixture fixture;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    fixture = new ReceiverFixture();
    channel =
        NettyChannelBuilder.forAddress(fixture.grpc().getHost(), fixture.grpc().getPort())
            .usePlaintext()
            .build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    fixture.close();
  }

  @Test
  void theSdksGrpcExportersDeliverRecordedExceptionsAndErrorLogs() {
    SdkTracerProvider tracing =
        SdkTracerProvider.builder()
            .setResource(BILLING)
            .addSpanProcessor(
                SimpleSpanProcessor.create(
                    OtlpGrpcSpanExporter.builder()
                        .setEndpoint(fixture.grpc().toString())
                        .setCompression("gzip")
                        .build()))
            .build();
    SdkLoggerProvider logging =
        SdkLoggerProvider.builder()
            .setResource(BILLING)
            .addLogRecordProcessor(
                SimpleLogRecordProcessor.create(
                    OtlpGrpcLogRecordExporter.builder().setEndpoint(fixture.grpc().toString()).build()))
            .build();

    Span span = tracing.get("billing").spanBuilder("Invoice.charge").startSpan();
    span.recordException(new ArithmeticException("/ by zero"));
    logging
        .get("billing")
        .logRecordBuilder()
        .setContext(Context.current().with(span))
        .setSeverity(io.opentelemetry.api.logs.Severity.ERROR)
        .setBody("charge failed")
        .emit();
    span.end();
    assertThat(tracing.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(logging.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    tracing.shutdown().join(5, TimeUnit.SECONDS);
    logging.shutdown().join(5, TimeUnit.SECONDS);

    List<ErrorEvent> events = fixture.sink.events();
    assertThat(events).hasSize(2);
    ErrorEvent fromSpan = events.stream().filter(e -> !e.errorType().isEmpty()).findFirst().orElseThrow();
    assertThat(fromSpan.service()).isEqualTo("billing");
    assertThat(fromSpan.errorType()).isEqualTo("java.lang.ArithmeticException");
    assertThat(fromSpan.message()).isEqualTo("/ by zero");
    assertThat(fromSpan.stackTrace()).contains("at dev.vigil.rounds.otlp.OtlpGrpcTest.");
    assertThat(fromSpan.traceId()).isEqualTo(span.getSpanContext().getTraceId());
    ErrorEvent fromLog = events.stream().filter(e -> e.errorType().isEmpty()).findFirst().orElseThrow();
    assertThat(fromLog.message()).isEqualTo("charge failed");
    assertThat(fromLog.severity()).isEqualTo(Severity.ERROR);
    assertThat(fromLog.spanId()).isEqualTo(span.getSpanContext().getSpanId());
    assertThat(fixture.buffer.spans(fromSpan.traceId())).hasSize(1);
    assertThat(fixture.buffer.logs(fromSpan.traceId())).hasSize(1);
  }

  @Test
  void anUnusableSpanIsAPartialSuccess() {
    ExportTraceServiceRequest request =
        OtlpHttpProtocolTest.request(
            OtlpHttpProtocolTest.span(OtlpHttpProtocolTest.trace(1), OtlpHttpProtocolTest.spanId(1), "ok", true),
            OtlpHttpProtocolTest.span(
                com.google.protobuf.ByteString.EMPTY, OtlpHttpProtocolTest.spanId(2), "no trace", true));

    ExportTraceServiceResponse answer = TraceServiceGrpc.newBlockingStub(channel).export(request);

    assertThat(answer.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(answer.getPartialSuccess().getErrorMessage()).contains("trace id has 0 bytes");
    assertThat(fixture.sink.events()).hasSize(1);
  }

  @Test
  void aSinkFailureIsUnavailableSoTheExporterRetries() {
    fixture.sink.failWith(new IllegalStateException("disk full"));
    ExportTraceServiceRequest request =
        OtlpHttpProtocolTest.request(
            OtlpHttpProtocolTest.span(OtlpHttpProtocolTest.trace(1), OtlpHttpProtocolTest.spanId(1), "ok", true));

    assertThatThrownBy(() -> TraceServiceGrpc.newBlockingStub(channel).export(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains("disk full");
            });
  }

  @Test
  void aMessageOverTheLimitIsRefused() throws Exception {
    fixture.close();
    fixture = new ReceiverFixture(OtlpSettings.ephemeral().withMaxBodyBytes(4096));
    channel.shutdownNow();
    channel =
        NettyChannelBuilder.forAddress(fixture.grpc().getHost(), fixture.grpc().getPort())
            .usePlaintext()
            .build();
    var span =
        OtlpHttpProtocolTest.span(OtlpHttpProtocolTest.trace(1), OtlpHttpProtocolTest.spanId(1), "x".repeat(5000), true);

    assertThatThrownBy(
            () -> TraceServiceGrpc.newBlockingStub(channel).export(OtlpHttpProtocolTest.request(span)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(fixture.sink.calls()).isZero();
  }
}
