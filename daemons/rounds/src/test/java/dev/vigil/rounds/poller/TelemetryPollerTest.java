package dev.vigil.rounds.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonState;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.HealthStatus;
import dev.vigil.core.testkit.ManualScheduler;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.FakeTelemetrySource;
import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.SignatureEvent;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.TelemetryException;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TELEMETRY_POLLER run by a real manager on virtual time, against an in-memory backend. */
class TelemetryPollerTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path dir;
  final ManualScheduler time = new ManualScheduler(T0);
  final FakeTelemetrySource source = new FakeTelemetrySource("fake", time.clock());
  final List<SignatureEvent> published = new CopyOnWriteArrayList<>();
  RoundsModule module;
  DaemonManager manager;

  @BeforeEach
  void start() throws Exception {
    Config config =
        ConfigFactory.parseMap(
                Map.of(
                    "vigil.rounds.telemetry.backend", "fake",
                    "vigil.rounds.store.sqlite.path", dir.resolve("rounds.db").toString(),
                    "vigil.rounds.store.sqlite.synchronous", "normal"))
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    module = RoundsModule.create(config, Map.of("fake", c -> source), time.clock());
    manager =
        DaemonManager.builder(DaemonRegistry.of(module.specs()))
            .scheduler(time)
            .clock(time.clock())
            .build();
    manager.events().subscribe(SignatureEvent.class, published::add);
  }

  @AfterEach
  void stop() throws Exception {
    manager.shutdown(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
    module.close();
  }

  void add(String message, Instant at, String traceId) {
    source.add(
        new ErrorEvent("fake", "checkout", "java.io.IOException", message, "", at, traceId, "", Severity.ERROR, null),
        Duration.ZERO);
  }

  /** Moves virtual time a poll interval (with jitter) on and waits for that poll to end. */
  void nextPoll() {
    int before = source.reads();
    time.advance(Duration.ofSeconds(67)); // 60 s ± 10 % jitter
    await().atMost(Duration.ofSeconds(10)).until(() -> source.reads() > before);
  }

  HealthCheckResult health() {
    // the first check ran when the poller became RUNNING, maybe before any poll had finished: once
    // it is done (a check still under way would make the next one skip), the next one reads it all
    await().atMost(Duration.ofSeconds(10))
        .until(() -> manager.info(RoundsModule.TELEMETRY_POLLER).lastHealthCheckDuration().isPresent());
    time.advance(Duration.ofSeconds(31)); // the watchdog's health interval
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> manager.health(RoundsModule.TELEMETRY_POLLER), h -> h.status() != HealthStatus.UNKNOWN);
  }

  double counter(String name, String... labels) {
    for (MetricSnapshot m : module.metrics().collect()) {
      if (m.getMetadata().getPrometheusName().equals(name) && m instanceof CounterSnapshot c) {
        return c.getDataPoints().stream()
            .filter(p -> {
              for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(p.getLabels().get(labels[i]))) {
                  return false;
                }
              }
              return true;
            })
            .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
            .sum();
      }
    }
    return 0;
  }

  @Test
  void pollsOnItsScheduleCountsOncePublishesAndReportsHealthAndMetrics() throws Exception {
    for (int i = 0; i < 4; i++) {
      add("connection refused", T0.minusSeconds(100).plusSeconds(i), "t" + i);
    }
    manager.start(RoundsModule.TELEMETRY_POLLER).get(10, TimeUnit.SECONDS);
    assertThat(manager.info(RoundsModule.SIGNATURE_STORE).state()).isEqualTo(DaemonState.RUNNING);
    time.runDue(); // the first poll is due at once
    await().atMost(Duration.ofSeconds(10)).until(() -> published.size() >= 2);
    nextPoll(); // the events are within the next window's overlap: read again, not counted
    nextPoll(); // past the overlap: not read any more

    await().untilAsserted(() -> assertThat(counter("vigil_rounds_events_duplicate")).isEqualTo(4));
    assertThat(published)
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("Created", "ThresholdReached");
    assertThat(counter("vigil_rounds_events_ingested", "source", "fake")).isEqualTo(4);
    assertThat(counter("vigil_rounds_signatures_created")).isEqualTo(1);
    try (SignatureStore reader = module.openStoreReadOnly()) {
      assertThat(reader.list(SignatureStore.Query.all(10)).get(0).occurrenceCount()).isEqualTo(4);
    }
    HealthCheckResult h = health();
    assertThat(h.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(h.details())
        .containsEntry("source", "fake")
        .containsEntry("consecutive_failures", 0)
        .containsEntry("backend_reachable", true)
        .containsEntry("backlog", false)
        .containsKey("watermark_lag_seconds");
  }

  @Test
  void aFailingBackendDegradesTheHealthWithTheKindAndCountsIt() throws Exception {
    manager.start(RoundsModule.TELEMETRY_POLLER).get(10, TimeUnit.SECONDS);
    source.failNext(new TelemetryException(TelemetryException.Kind.AUTH, "401 from fake: bad key"));
    time.runDue();
    await().atMost(Duration.ofSeconds(10)).until(() -> counter("vigil_rounds_poll_errors", "kind", "auth") == 1);

    HealthCheckResult h = health();
    assertThat(h.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(h.message()).contains("1 polls failed in a row (auth): 401 from fake: bad key");
    assertThat(h.details()).containsEntry("last_error_kind", "auth").containsEntry("backend_reachable", true);

    source.failNext(new TelemetryException(TelemetryException.Kind.UNREACHABLE, "connection refused"));
    int reads = source.reads();
    time.advance(Duration.ofSeconds(150)); // the backoff doubled the delay after the failure
    await().atMost(Duration.ofSeconds(10)).until(() -> source.reads() > reads);
    await().until(() -> counter("vigil_rounds_poll_errors", "kind", "unreachable") == 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              time.advance(Duration.ofSeconds(31));
              assertThat(manager.health(RoundsModule.TELEMETRY_POLLER).details())
                  .containsEntry("backend_reachable", false)
                  .containsEntry("consecutive_failures", 2);
            });
  }
}
