package dev.vigil.rounds.otlp;

import dev.vigil.rounds.EventSink;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running OTLP receiver: a Jetty server for OTLP/HTTP and, if enabled, a grpc-java server for
 * OTLP/gRPC, both on the configured host, sharing one intake. {@link #start} returns once both
 * listen; {@link #close} stops both. One instance per daemon attempt.
 */
final class OtlpReceiver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OtlpReceiver.class);

  private final org.eclipse.jetty.server.Server http;
  private final Server grpc;
  private final ExecutorService grpcExecutor;
  private final OtlpEndpoints endpoints;

  private OtlpReceiver(
      org.eclipse.jetty.server.Server http,
      Server grpc,
      ExecutorService grpcExecutor,
      OtlpEndpoints endpoints) {
    this.http = http;
    this.grpc = grpc;
    this.grpcExecutor = grpcExecutor;
    this.endpoints = endpoints;
  }

  /**
   * Binds and starts both transports.
   *
   * @throws IOException if a port cannot be bound; nothing is left running then
   */
  static OtlpReceiver start(
      OtlpSettings settings,
      EventSink sink,
      RecentTelemetry buffer,
      OtlpMetrics metrics,
      Clock clock)
      throws IOException {
    OtlpIntake intake = new OtlpIntake(sink, buffer, metrics, clock);
    metrics.watch(buffer);
    org.eclipse.jetty.server.Server http = httpServer(settings, intake, metrics);
    try {
      http.start();
    } catch (Exception e) {
      stopQuietly(http);
      throw e instanceof IOException io
          ? io
          : new IOException(
              "cannot start OTLP/HTTP on " + settings.httpHost() + ":" + settings.httpPort(), e);
    }
    int httpPort = ((ServerConnector) http.getConnectors()[0]).getLocalPort();
    URI httpUri = URI.create("http://" + hostForUri(settings.httpHost()) + ":" + httpPort);

    Server grpc = null;
    ExecutorService grpcExecutor = null;
    URI grpcUri = null;
    if (settings.grpcEnabled()) {
      grpcExecutor = Executors.newThreadPerTaskExecutor(
          Thread.ofVirtual().name("vigil-otlp-grpc-", 0).factory());
      try {
        grpc =
            NettyServerBuilder.forAddress(
                    new InetSocketAddress(settings.httpHost(), settings.grpcPort()))
                .executor(grpcExecutor)
                .maxInboundMessageSize(settings.maxBodyBytes())
                .addService(new OtlpGrpcServices.Traces(intake, metrics))
                .addService(new OtlpGrpcServices.Logs(intake, metrics))
                .addService(new OtlpGrpcServices.Metrics(metrics))
                .build()
                .start();
      } catch (IOException | RuntimeException e) {
        stopQuietly(http);
        grpcExecutor.shutdownNow();
        throw new IOException(
            "cannot start OTLP/gRPC on " + settings.httpHost() + ":" + settings.grpcPort(), e);
      }
      grpcUri = URI.create("http://" + hostForUri(settings.httpHost()) + ":" + grpc.getPort());
    }
    OtlpEndpoints endpoints = new OtlpEndpoints(httpUri, grpcUri);
    log.info("OTLP receiver listening: {}", endpoints);
    return new OtlpReceiver(http, grpc, grpcExecutor, endpoints);
  }

  private static org.eclipse.jetty.server.Server httpServer(
      OtlpSettings settings, OtlpIntake intake, OtlpMetrics metrics) {
    // a few platform threads for the acceptor and selector; requests block (body, store) and
    // run on virtual threads, so concurrent exporters cost no platform threads
    QueuedThreadPool threads = new QueuedThreadPool(8, 2);
    threads.setName("vigil-otlp-http");
    threads.setReservedThreads(0);
    var virtual = Thread.ofVirtual().name("vigil-otlp-request-", 0).factory();
    threads.setVirtualThreadsExecutor(task -> virtual.newThread(task).start());

    org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server(threads);
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    ServerConnector connector =
        new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
    connector.setHost(settings.httpHost());
    connector.setPort(settings.httpPort());
    // on stop, requests in progress finish (up to the stop timeout) but idle keep-alive
    // connections are closed at once rather than after Jetty's default second
    connector.setShutdownIdleTimeout(50);
    server.addConnector(connector);
    server.setStopTimeout(5_000);
    server.setHandler(new OtlpHttpHandler(intake, metrics, settings.maxBodyBytes()));
    return server;
  }

  /** Where the receiver listens. */
  OtlpEndpoints endpoints() {
    return endpoints;
  }

  /** Whether both transports are serving. */
  boolean isRunning() {
    return http.isRunning() && (grpc == null || !(grpc.isShutdown() || grpc.isTerminated()));
  }

  /** Stops both transports; requests in progress get a few seconds to finish. */
  @Override
  public void close() {
    if (grpc != null) {
      grpc.shutdown();
    }
    stopQuietly(http);
    if (grpc != null) {
      try {
        if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
          grpc.shutdownNow();
        }
      } catch (InterruptedException e) {
        grpc.shutdownNow();
        Thread.currentThread().interrupt();
      }
      grpcExecutor.shutdownNow();
    }
  }

  private static void stopQuietly(org.eclipse.jetty.server.Server server) {
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("stopping the OTLP/HTTP server failed", e);
    }
  }

  private static String hostForUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
