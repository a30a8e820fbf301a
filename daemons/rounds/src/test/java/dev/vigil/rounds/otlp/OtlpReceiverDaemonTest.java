package dev.vigil.rounds.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonState;
import dev.vigil.core.HealthStatus;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The receiver run by a real manager. */
class OtlpReceiverDaemonTest {
  private final RecordingSink sink = new RecordingSink();
  private final OtlpMetrics metrics = new OtlpMetrics();
  private final RecentTelemetry buffer =
      new RecentTelemetry(100, 100, Duration.ofMinutes(1), Clock.systemUTC());
  private final List<OtlpEndpoints> heard = new CopyOnWriteArrayList<>();

  @Test
  void itIsRunningOnlyOnceListeningAndTellsWhereAndStopsListening() throws Exception {
    DaemonManager manager =
        DaemonManager.builder(
                DaemonRegistry.of(
                    OtlpReceiverDaemon.spec(OtlpSettings.ephemeral(), sink, buffer, metrics, heard::add)))
            .build();
    try {
      manager.start(OtlpReceiverDaemon.OTLP_RECEIVER).get(30, TimeUnit.SECONDS);

      assertThat(manager.info(OtlpReceiverDaemon.OTLP_RECEIVER).state()).isEqualTo(DaemonState.RUNNING);
      assertThat(heard).hasSize(1);
      OtlpEndpoints where = heard.get(0);
      assertThat(where.http().toString()).startsWith("http://127.0.0.1:");
      assertThat(where.grpcEndpoint()).isPresent();
      try (HttpClient client = HttpClient.newHttpClient()) {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(where.http().resolve("/v1/traces"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(OtlpHttpProtocolTest.SPAN_JSON))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
      }
      assertThat(sink.events()).hasSize(1);

      manager.stop(OtlpReceiverDaemon.OTLP_RECEIVER).get(30, TimeUnit.SECONDS);
      // the port is free again
      try (ServerSocket again = new ServerSocket(where.http().getPort(), 1, java.net.InetAddress.getLoopbackAddress())) {
        assertThat(again.getLocalPort()).isEqualTo(where.http().getPort());
      }
    } finally {
      manager.shutdown(Duration.ofSeconds(10)).get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void healthSaysWhereItListensAndTurnsDegradedWhileTheStoreFails() throws Exception {
    OtlpReceiverDaemon daemon =
        new OtlpReceiverDaemon(OtlpSettings.ephemeral().withGrpc(false), sink, buffer, metrics, heard::add);
    assertThat(daemon.healthCheck().status()).isEqualTo(HealthStatus.UNHEALTHY);
    DaemonManager manager =
        DaemonManager.builder(
                DaemonRegistry.of(
                    dev.vigil.core.DaemonSpec.builder(OtlpReceiverDaemon.OTLP_RECEIVER, () -> daemon).build()))
            .build();
    try (HttpClient client = HttpClient.newHttpClient()) {
      manager.start(OtlpReceiverDaemon.OTLP_RECEIVER).get(30, TimeUnit.SECONDS);
      var healthy = daemon.healthCheck();
      assertThat(healthy.status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(healthy.details()).containsEntry("http_url", daemon.endpoints().http().toString());
      assertThat(healthy.details()).doesNotContainKey("grpc_url");

      sink.failWith(new IllegalStateException("database is locked"));
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(daemon.endpoints().http().resolve("/v1/traces"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(OtlpHttpProtocolTest.SPAN_JSON))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);

      var degraded = daemon.healthCheck();
      assertThat(degraded.status()).isEqualTo(HealthStatus.DEGRADED);
      assertThat(degraded.message()).contains("database is locked");
      assertThat(degraded.details()).containsEntry("requests", 1L).containsEntry("requests_failed", 1L);
    } finally {
      manager.shutdown(Duration.ofSeconds(10)).get(30, TimeUnit.SECONDS);
    }
    assertThat(daemon.healthCheck().status()).isEqualTo(HealthStatus.UNHEALTHY);
  }
}
