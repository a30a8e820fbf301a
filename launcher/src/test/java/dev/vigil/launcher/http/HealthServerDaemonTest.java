package dev.vigil.launcher.http;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP server as a daemon of a real manager, made before the manager exists. */
class HealthServerDaemonTest {
  private static final NodeInfo NODE =
      new NodeInfo("vigil", "test", 7, Instant.parse("2024-01-01T00:00:00Z"), "1.2.3", null);

  private final AtomicReference<DaemonManager> manager = new AtomicReference<>();
  private final List<URI> listening = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void shutDown() throws Exception {
    http.close();
    if (manager.get() != null) {
      manager.get().shutdown(Duration.ofSeconds(10)).get(20, SECONDS);
    }
  }

  @Test
  void specIsACriticalSupervisorDaemon() {
    DaemonSpec spec = spec();
    assertThat(spec.type()).isEqualTo(HealthServerDaemon.HEALTH_SERVER);
    assertThat(spec.category()).isEqualTo("supervisor");
    assertThat(spec.critical()).isTrue();
    assertThat(spec.problems()).isEmpty();
  }

  @Test
  void servesWhileRunningAndStopsListeningWhenStopped() throws Exception {
    DaemonManager m = DaemonManager.builder(DaemonRegistry.of(spec())).build();
    manager.set(m);

    m.start(HealthServerDaemon.HEALTH_SERVER).get(10, SECONDS);

    assertThat(listening).hasSize(1);
    URI uri = listening.get(0);
    assertThat(uri.getHost()).isEqualTo("127.0.0.1");
    assertThat(uri.getPort()).isPositive();
    assertThat(get(uri, "/health").statusCode()).isEqualTo(200);
    JsonNode status = new ObjectMapper().readTree(get(uri, "/status").body());
    assertThat(status.path("node").path("http_url").asText()).isEqualTo(uri.toString());
    assertThat(status.path("daemons").toString())
        .contains("\"name\":\"HEALTH_SERVER\",\"category\":\"supervisor\",\"state\":\"RUNNING\"");

    m.stop(HealthServerDaemon.HEALTH_SERVER).get(10, SECONDS);

    assertThat(m.info(HealthServerDaemon.HEALTH_SERVER).state()).isEqualTo(DaemonState.STOPPED);
    assertThatThrownBy(() -> get(uri, "/health")).isInstanceOf(IOException.class);
  }

  @Test
  void restartedOverItsOwnControlApiItListensAgain() throws Exception {
    DaemonManager m = DaemonManager.builder(DaemonRegistry.of(spec())).build();
    manager.set(m);
    m.start(HealthServerDaemon.HEALTH_SERVER).get(10, SECONDS);
    URI first = listening.get(0);

    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(first + "/api/daemons/health_server/restart"))
                .header("Authorization", "Bearer secret")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(202);

    await().atMost(Duration.ofSeconds(10)).until(() -> listening.size() == 2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> m.info(HealthServerDaemon.HEALTH_SERVER).state() == DaemonState.RUNNING);
    assertThat(get(listening.get(1), "/ready").statusCode()).isEqualTo(200);
  }

  private DaemonSpec spec() {
    return HealthServerDaemon.spec(
        "127.0.0.1",
        0,
        "secret",
        NODE,
        manager::get,
        () -> {},
        NodeHttpServer.Extensions.NONE,
        listening::add);
  }

  private HttpResponse<String> get(URI base, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
