package dev.vigil.launcher.http;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.IdleDaemon;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a node adds to its HTTP server: the daemons' own metrics and the draining flag. */
class NodeHttpServerExtensionsTest {
  private static final DaemonType ALPHA = DaemonType.of("ALPHA");

  private final AtomicBoolean draining = new AtomicBoolean();
  private DaemonManager manager;
  private NodeHttpServer server;
  private HttpClient http;

  @BeforeEach
  void start() throws Exception {
    DaemonSpec alpha = DaemonSpec.builder(ALPHA, () -> new IdleDaemon() {}).critical(true).build();
    manager = DaemonManager.builder(DaemonRegistry.of(alpha)).build();
    manager.start(List.of(ALPHA)).get(10, SECONDS);
    MultiCollector probes =
        () ->
            MetricSnapshots.of(
                GaugeSnapshot.builder()
                    .name("vigil_probe_up_to_date")
                    .help("a daemon's own gauge")
                    .dataPoint(
                        GaugeSnapshot.GaugeDataPointSnapshot.builder()
                            .labels(Labels.of("probe", "disk.state"))
                            .value(1)
                            .build())
                    .build());
    server =
        NodeHttpServer.start(
            "127.0.0.1",
            0,
            manager,
            NodeHttpServerTest.NODE,
            NodeHttpServerTest.TOKEN,
            () -> {},
            new NodeHttpServer.Extensions(List.of(probes), draining::get));
    http = HttpClient.newHttpClient();
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    server.close();
    manager.shutdown(Duration.ofSeconds(10)).get(20, SECONDS);
  }

  @Test
  void readyIs503WithReasonDrainingOnceTheNodeDrainsWhileHealthStaysOk() throws Exception {
    assertThat(get("/ready").statusCode()).isEqualTo(200);

    draining.set(true);

    HttpResponse<String> ready = get("/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(new ObjectMapper().readTree(ready.body()).path("status").asText())
        .isEqualTo("draining");
    assertThat(get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void metricsCarryTheDaemonsOwnCollectors() throws Exception {
    assertThat(PrometheusText.parse(get("/metrics").body()))
        .containsEntry("vigil_probe_up_to_date{probe=\"disk.state\"}", 1.0)
        .containsKey("vigil_daemon_ready{daemon=\"ALPHA\"}");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.uri() + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
