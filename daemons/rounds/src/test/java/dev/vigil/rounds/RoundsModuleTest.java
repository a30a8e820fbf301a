package dev.vigil.rounds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.HealthStatus;
import dev.vigil.rounds.poller.PushOnlyPoller;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RoundsModuleTest {
  static final Map<String, Function<Config, TelemetrySource>> NONE = Map.of();

  static Config config(Map<String, Object> values) {
    return ConfigFactory.parseMap(values).withFallback(ConfigFactory.defaultReference()).resolve();
  }

  @Test
  void theDefaultsAreTheIssuesAndTheStoreLivesInTheStateDirectory() {
    RoundsModule.Settings s = RoundsModule.settings(config(Map.of("vigil.state-dir", "/var/lib/vigil")), NONE.keySet());
    assertThat(s.backend()).isEqualTo("otlp");
    assertThat(s.sqlitePath()).isEqualTo(Path.of("/var/lib/vigil/rounds.db"));
    assertThat(s.pollInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.cycle().lookback()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.cycle().pageSize()).isEqualTo(100);
    assertThat(s.cycle().serviceFilter()).isEmpty();
    assertThat(s.investigationThreshold()).isEqualTo(3);
    assertThat(s.storeOptions().synchronous()).isEqualTo("full");
  }

  @Test
  void everyVariableOfTheIssueIsDeclaredAndPointsAtAKnownKey() {
    Config reference = ConfigFactory.defaultReference();
    Map<String, Object> env = reference.getConfig("vigil.environment").root().unwrapped();
    assertThat(env)
        .containsKeys(
            "TELEMETRY_BACKEND", "STORE_BACKEND", "STORE_SQLITE_PATH", "POLL_INTERVAL_SECONDS",
            "ERROR_LOOKBACK_MINUTES", "POLL_BATCH_SIZE", "SERVICE_FILTER");
    env.values().forEach(key -> assertThat(reference.hasPath((String) key)).as((String) key).isTrue());
  }

  @Test
  void readsAServiceFilterAndAnExplicitPath() {
    RoundsModule.Settings s =
        RoundsModule.settings(
            config(Map.of(
                "vigil.rounds.telemetry.service-filter", " checkout, billing ,,",
                "vigil.rounds.store.sqlite.path", "/data/r.db")),
            NONE.keySet());
    assertThat(s.cycle().serviceFilter()).containsExactlyInAnyOrder("checkout", "billing");
    assertThat(s.sqlitePath()).isEqualTo(Path.of("/data/r.db"));
  }

  @Test
  void reportsEveryBadValueAtOnceWithItsKeyValueAndWhy() {
    Map<String, Object> bad = new HashMap<>();
    bad.put("vigil.rounds.telemetry.backend", "datadog");
    bad.put("vigil.daemons.TELEMETRY_POLLER.poll-interval-seconds", "soon");
    bad.put("vigil.daemons.TELEMETRY_POLLER.batch-size", 0);
    bad.put("vigil.rounds.store.sqlite.synchronous", "sometimes");
    bad.put("vigil.rounds.store.backend", "postgresql");

    assertThatThrownBy(() -> RoundsModule.create(config(bad), Map.of("jaeger", c -> null)))
        .isInstanceOf(ConfigException.ValidationFailed.class)
        .hasMessageContaining("vigil.rounds.telemetry.backend: 'datadog' is not a known telemetry backend [jaeger, otlp]")
        .hasMessageContaining("vigil.daemons.TELEMETRY_POLLER.poll-interval-seconds: 'soon' is not a whole number")
        .hasMessageContaining("vigil.daemons.TELEMETRY_POLLER.batch-size: 0 must be between 1 and 10000")
        .hasMessageContaining("vigil.rounds.store.sqlite.synchronous: 'sometimes' must be full or normal")
        .hasMessageContaining("vigil.rounds.store.backend: 'postgresql' is not a known store backend");
  }

  @Test
  void badValuesInSeveralSectionsAreReportedTogether() {
    Map<String, Object> bad = new HashMap<>();
    bad.put("vigil.rounds.telemetry.backend", "jaeger"); // its factory refuses its URL
    bad.put("vigil.daemons.DIAGNOSIS.concurrency", 0);
    bad.put("vigil.rounds.budget.daily-limit-usd", "lots");
    bad.put("vigil.rounds.notification.backends", "pager");

    assertThatThrownBy(() -> RoundsModule.create(config(bad), Map.of("jaeger", conf -> {
      throw new ConfigException.BadValue(conf.origin(), "vigil.rounds.telemetry.jaeger.url", "is empty");
    })))
        .isInstanceOf(ConfigException.ValidationFailed.class)
        .satisfies(e -> assertThat(((ConfigException.ValidationFailed) e).problems())
            .extracting(ConfigException.ValidationProblem::path)
            .contains("vigil.rounds.telemetry.jaeger.url", "vigil.daemons.DIAGNOSIS.concurrency",
                "vigil.rounds.budget.daily-limit-usd", "vigil.rounds.notification.backends"))
        .hasMessageContaining("vigil.rounds.telemetry.jaeger.url: is empty");
  }

  @Test
  void aBackendFactoryGetsTheWholeConfigurationAndMayRejectIt() {
    Config c = config(Map.of("vigil.rounds.telemetry.backend", "JAEGER"));
    assertThatThrownBy(
            () ->
                RoundsModule.create(
                    c,
                    Map.of(
                        "jaeger",
                        conf -> {
                          throw new ConfigException.BadValue(conf.origin(), "vigil.rounds.telemetry.jaeger.url", "is empty");
                        })))
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining("vigil.rounds.telemetry.jaeger.url");
  }

  @Test
  void withTheOtlpBackendThePollerIdlesHealthilyAndScanHasNothingToDo() throws Exception {
    try (RoundsModule module = RoundsModule.create(config(Map.of()), NONE)) {
      List<DaemonSpec> specs = module.specs();
      assertThat(DaemonRegistry.of(specs).validate()).isEmpty();
      DaemonSpec poller = specs.stream().filter(s -> s.type().equals(RoundsModule.TELEMETRY_POLLER)).findFirst().orElseThrow();
      assertThat(poller.bindsTo()).containsExactly(RoundsModule.SIGNATURE_STORE);
      var daemon = poller.newInstance();
      assertThat(daemon).isInstanceOf(PushOnlyPoller.class);
      assertThat(daemon.healthCheck().status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(daemon.healthCheck().message()).contains("otlp");
      assertThat(module.scanOnce(e -> {})).isEqualTo(Optional.empty());
    }
  }

  @Test
  void theEventSinkFailsClearlyWhileTheStoreDaemonIsNotRunning() throws Exception {
    try (RoundsModule module = RoundsModule.create(config(Map.of()), NONE)) {
      EventSink sink = module.pipeline().sink(e -> {});
      assertThatThrownBy(() -> sink.ingest(List.of()))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("SIGNATURE_STORE is not running");
    }
  }

  @Test
  void scanOnceRunsOneCycleIntoItsOwnStoreAndASecondScanCountsNothingTwice(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    java.time.Instant now = java.time.Instant.parse("2026-03-01T10:00:00Z");
    java.time.Clock clock = java.time.Clock.fixed(now, java.time.ZoneOffset.UTC);
    FakeTelemetrySource source = new FakeTelemetrySource("fake", clock);
    for (int i = 0; i < 3; i++) {
      source.add(
          new ErrorEvent("fake", "api", "E", "boom " + i, "", now.minusSeconds(60 + i), "t" + i, "", Severity.ERROR, null),
          Duration.ZERO);
    }
    Config c = config(Map.of("vigil.rounds.telemetry.backend", "fake", "vigil.state-dir", dir.toString()));
    try (RoundsModule module = RoundsModule.create(c, Map.of("fake", conf -> source), clock)) {
      var first = module.scanOnce(e -> {}).orElseThrow();
      var second = module.scanOnce(e -> {}).orElseThrow();
      assertThat(first.result().accepted()).isEqualTo(3);
      assertThat(first.result().newSignatures()).isEqualTo(1); // the fingerprint masks the numbers
      assertThat(second.result().accepted()).isZero();
      assertThat(second.result().duplicates()).isEqualTo(3);
      try (SignatureStore reader = module.openStoreReadOnly()) {
        Signature s = reader.list(SignatureStore.Query.all(10)).get(0);
        assertThat(reader.list(SignatureStore.Query.all(10))).hasSize(1);
        assertThat(s.occurrenceCount()).isEqualTo(3L);
        assertThat(s.fingerprintVersion()).isEqualTo(dev.vigil.rounds.fingerprint.Fingerprinter.VERSION);
        assertThat(s.service()).isEqualTo("api");
      }
    }
  }
}
