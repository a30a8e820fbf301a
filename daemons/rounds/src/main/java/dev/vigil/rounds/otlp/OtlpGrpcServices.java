package dev.vigil.rounds.otlp;

import dev.vigil.rounds.otlp.OtlpIntake.Result;
import dev.vigil.rounds.otlp.OtlpIntake.SinkFailedException;
import dev.vigil.rounds.otlp.OtlpMetrics.Outcome;
import dev.vigil.rounds.otlp.OtlpMetrics.Signal;
import dev.vigil.rounds.otlp.OtlpMetrics.Transport;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/gRPC: the {@code TraceService} and {@code LogsService} Export calls, with the same intake
 * as OTLP/HTTP. A store failure answers {@code UNAVAILABLE}, which exporters retry; grpc-java
 * itself answers malformed and oversized messages ({@code INTERNAL}, {@code RESOURCE_EXHAUSTED}).
 * The {@code MetricsService} accepts and drops metrics, as OTLP/HTTP does.
 */
final class OtlpGrpcServices {
  private static final Logger log = LoggerFactory.getLogger(OtlpGrpcServices.class);

  private OtlpGrpcServices() {}

  static final class Traces extends TraceServiceGrpc.TraceServiceImplBase {
    private final OtlpIntake intake;
    private final OtlpMetrics metrics;

    Traces(OtlpIntake intake, OtlpMetrics metrics) {
      this.intake = intake;
      this.metrics = metrics;
    }

    @Override
    public void export(
        ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> answer) {
      long size = request.getSerializedSize();
      Result result;
      try {
        result = intake.traces(request);
      } catch (SinkFailedException e) {
        unavailable(metrics, Signal.TRACES, size, e, answer);
        return;
      }
      ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
      if (result.rejected() > 0) {
        response.setPartialSuccess(
            ExportTracePartialSuccess.newBuilder()
                .setRejectedSpans(result.rejected())
                .setErrorMessage(result.errorMessage()));
      }
      metrics.request(Transport.GRPC, Signal.TRACES, outcome(result), size);
      answer.onNext(response.build());
      answer.onCompleted();
    }
  }

  static final class Logs extends LogsServiceGrpc.LogsServiceImplBase {
    private final OtlpIntake intake;
    private final OtlpMetrics metrics;

    Logs(OtlpIntake intake, OtlpMetrics metrics) {
      this.intake = intake;
      this.metrics = metrics;
    }

    @Override
    public void export(
        ExportLogsServiceRequest request, StreamObserver<ExportLogsServiceResponse> answer) {
      long size = request.getSerializedSize();
      Result result;
      try {
        result = intake.logs(request);
      } catch (SinkFailedException e) {
        unavailable(metrics, Signal.LOGS, size, e, answer);
        return;
      }
      ExportLogsServiceResponse.Builder response = ExportLogsServiceResponse.newBuilder();
      if (result.rejected() > 0) {
        response.setPartialSuccess(
            ExportLogsPartialSuccess.newBuilder()
                .setRejectedLogRecords(result.rejected())
                .setErrorMessage(result.errorMessage()));
      }
      metrics.request(Transport.GRPC, Signal.LOGS, outcome(result), size);
      answer.onNext(response.build());
      answer.onCompleted();
    }
  }

  static final class Metrics extends MetricsServiceGrpc.MetricsServiceImplBase {
    private final OtlpMetrics metrics;

    Metrics(OtlpMetrics metrics) {
      this.metrics = metrics;
    }

    @Override
    public void export(
        ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> answer) {
      metrics.request(Transport.GRPC, Signal.METRICS, Outcome.OK, request.getSerializedSize());
      answer.onNext(ExportMetricsServiceResponse.getDefaultInstance());
      answer.onCompleted();
    }
  }

  private static Outcome outcome(Result result) {
    return result.rejected() > 0 ? Outcome.PARTIAL : Outcome.OK;
  }

  private static void unavailable(
      OtlpMetrics metrics,
      Signal signal,
      long size,
      SinkFailedException e,
      StreamObserver<?> answer) {
    metrics.request(Transport.GRPC, signal, Outcome.UNAVAILABLE, size);
    log.warn("OTLP/gRPC {} export answered UNAVAILABLE: {}", OtlpMetrics.name(signal), e.getMessage());
    answer.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
  }
}
