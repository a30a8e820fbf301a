package dev.vigil.rounds.otlp;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The OpenTelemetry SDK's gRPC exporters send through a {@link GrpcSenderProvider}; its usual ones
 * need okhttp (and kotlin), and the grpc-java one ({@code
 * opentelemetry-exporter-sender-grpc-managed-channel}) is not published for 1.67.0. This one sends
 * the exporter's own encoded request over a grpc-java channel, so the tests run the SDK's real
 * gRPC exporters (encoding, method names, response handling) over real gRPC. Found through
 * {@code META-INF/services}.
 */
public final class GrpcJavaSenderProvider implements GrpcSenderProvider {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  @Override
  public GrpcSender createSender(GrpcSenderConfig config) {
    URI endpoint = config.getEndpoint();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort()).usePlaintext().build();
    MethodDescriptor<byte[], byte[]> method =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(config.getFullMethodName())
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    return new GrpcSender() {
      @Override
      public void send(
          MessageWriter writer, Consumer<GrpcResponse> onResponse, Consumer<Throwable> onError) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(writer.getContentLength());
        try {
          writer.writeMessage(out);
        } catch (IOException e) {
          onError.accept(e);
          return;
        }
        CallOptions options =
            CallOptions.DEFAULT.withDeadlineAfter(config.getTimeout().toNanos(), TimeUnit.NANOSECONDS);
        if (config.getCompressor() != null) {
          options = options.withCompression(config.getCompressor().getEncoding());
        }
        Futures.addCallback(
            ClientCalls.futureUnaryCall(channel.newCall(method, options), out.toByteArray()),
            new FutureCallback<byte[]>() {
              @Override
              public void onSuccess(byte[] result) {
                onResponse.accept(response(GrpcStatusCode.OK, null, result));
              }

              @Override
              public void onFailure(Throwable t) {
                Status s = Status.fromThrowable(t);
                onResponse.accept(
                    response(GrpcStatusCode.fromValue(s.getCode().value()), s.getDescription(), new byte[0]));
              }
            },
            MoreExecutors.directExecutor());
      }

      @Override
      public CompletableResultCode shutdown() {
        channel.shutdownNow();
        return CompletableResultCode.ofSuccess();
      }
    };
  }

  private static GrpcResponse response(GrpcStatusCode code, String description, byte[] body) {
    return new GrpcResponse() {
      @Override
      public GrpcStatusCode getStatusCode() {
        return code;
      }

      @Override
      public String getStatusDescription() {
        return description;
      }

      @Override
      public byte[] getResponseMessage() {
        return body;
      }
    };
  }
}
