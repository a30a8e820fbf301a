package dev.vigil.rounds.investigation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.HealthStatus;
import dev.vigil.core.testkit.ManualScheduler;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.EventSink;
import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.notify.FakeGithub;
import dev.vigil.rounds.notify.Notification;
import dev.vigil.rounds.notify.NotificationDispatcher;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DIAGNOSIS run by a real manager on virtual time, fed through the module's ingest port. */
class DiagnosisDaemonTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path dir;
  final ManualScheduler time = new ManualScheduler(T0);
  RoundsModule module;
  DaemonManager manager;

  void start(Map<String, Object> extra) throws Exception {
    Map<String, Object> values = new HashMap<>(Map.of(
        "vigil.rounds.store.sqlite.path", dir.resolve("rounds.db").toString(),
        "vigil.rounds.store.sqlite.synchronous", "normal",
        "vigil.rounds.notification.backends", "markdown",
        "vigil.rounds.notification.output-dir", dir.resolve("diagnoses").toString(),
        "vigil.rounds.diagnosis.codebase-path", dir.toString()));
    values.putAll(extra);
    Config config = ConfigFactory.parseMap(values).withFallback(ConfigFactory.defaultReference()).resolve();
    module = RoundsModule.create(config, Map.of(), time.clock());
    manager = DaemonManager.builder(DaemonRegistry.of(module.specs())).scheduler(time).clock(time.clock()).build();
  }

  @AfterEach
  void stop() throws Exception {
    if (manager != null) {
      manager.shutdown(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
    }
    if (module != null) {
      module.close();
    }
  }

  void occur(EventSink sink, int n, int offset) throws Exception {
    List<ErrorEvent> events = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(new ErrorEvent("otlp", "checkout", "java.net.SocketTimeoutException", "read timed out",
          "java.net.SocketTimeoutException: read timed out\n\tat shop.Db.query(Db.java:42)",
          T0.minusSeconds(10 - i - offset), String.format("%032x", i + offset + 1), "00f067aa0ba902b7",
          Severity.ERROR, null));
    }
    sink.ingest(events);
  }

  @Test
  void theThresholdEventIsInvestigatedAtOnceNotAtTheNextSweep() throws Exception {
    start(Map.of("vigil.daemons.DIAGNOSIS.interval-seconds", 3600));
    manager.start(DiagnosisDaemons.DIAGNOSIS).get(10, TimeUnit.SECONDS);
    time.runDue(); // the first sweep: nothing yet
    EventSink sink = module.eventSink(manager.events());
    occur(sink, 2, 0);
    occur(sink, 1, 2); // the third occurrence: ThresholdReached

    SignatureStore signatures = SqliteSignatureStore.openReadOnly(dir.resolve("rounds.db"), Duration.ofSeconds(5));
    try (signatures; SqliteDiagnosisStore diagnoses = SqliteDiagnosisStore.openReadOnly(dir.resolve("rounds.db"), Duration.ofSeconds(5))) {
      long id = signatures.list(SignatureStore.Query.all(10)).get(0).id();
      await().atMost(Duration.ofSeconds(20)).until(() -> diagnoses.latestDiagnosis(id).isPresent());
      assertThat(signatures.get(id).orElseThrow().status()).isEqualTo(SignatureStatus.DIAGNOSED);
      assertThat(diagnoses.latestDiagnosis(id).orElseThrow().diagnosis().model()).isEqualTo("none");
      Path day = dir.resolve("diagnoses").resolve("2026-03-01");
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(day) && Files.list(day).findAny().isPresent());
    }
    // counted once the investigation returns, after its notifications went out
    await().atMost(Duration.ofSeconds(10))
        .until(() -> ((InvestigationMetrics) module.diagnosis().metrics()).count("diagnosed") == 1);
  }

  @Test
  void aCliResolveWhoseGithubCloseFailsIsSentByTheNodesNextSweep() throws Exception {
    try (FakeGithub github = new FakeGithub()) {
      start(Map.of("vigil.rounds.notification.backends", "github_issue",
          "vigil.rounds.notification.github.token", "ghp_x",
          "vigil.rounds.notification.github.repo", "acme/shop",
          "vigil.rounds.notification.github.api-url", github.url().toString()));
      manager.start(DiagnosisDaemons.DIAGNOSIS).get(10, TimeUnit.SECONDS);
      time.runDue();
      occur(module.eventSink(manager.events()), 3, 0); // diagnosed at once by the node: an issue
      await().atMost(Duration.ofSeconds(20)).until(() -> github.issueCount() == 1);

      // vigil signatures resolve, as the CLI runs it: its own investigator, queue and dispatcher
      github.failNext(502, Map.of(), "{\"message\":\"Server Error\"}");
      Optional<NotificationDispatcher.Outcome> told = module.diagnosis().oneShot(System.err, (inv, sigs, diags) -> {
        Signature sig = sigs.list(SignatureStore.Query.all(10)).get(0);
        Signature resolved = sigs.transition(sig.id(), SignatureStatus.RESOLVED, "cli:alice", "fixed",
            time.clock().instant()).orElseThrow();
        return inv.notify(new Notification.Resolved(Investigator.facts(resolved), "acme/shop#482"));
      });
      assertThat(told).contains(NotificationDispatcher.Outcome.SENT); // queued: GitHub answered 502
      assertThat(github.issue(1).get("state").asText()).isEqualTo("open");

      time.advance(Duration.ofSeconds(90)); // the node's next sweep (60 s, give or take its jitter), past the 30 s backoff
      await().atMost(Duration.ofSeconds(20)).until(() -> github.issue(1).get("state").asText().equals("closed"));
      assertThat(github.comments(1)).containsExactly("Resolved: acme/shop#482");
    }
  }

  @Test
  void aSpentBudgetDegradesHealthUntilMidnight() throws Exception {
    start(Map.of("vigil.rounds.diagnosis.backend", "claude_code", "vigil.rounds.budget.daily-limit-usd", "0"));
    manager.start(DiagnosisDaemons.DIAGNOSIS).get(10, TimeUnit.SECONDS);
    // the manager schedules the first check when the daemon is RUNNING, on its own thread, which
    // under load can be after a single advance: keep time moving until a check has run
    HealthCheckResult h = await().atMost(Duration.ofSeconds(10)).until(() -> {
      time.advance(Duration.ofSeconds(31));
      return manager.health(DiagnosisDaemons.DIAGNOSIS);
    }, r -> r.status() != HealthStatus.UNKNOWN);
    assertThat(h.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(h.message()).contains("budget exhausted until 00:00 UTC");
    assertThat(h.details()).containsEntry("budget_remaining_usd", "0.00");
  }

  @Test
  void aStartKillsTheGroupADeadNodeLeftAndSettlesItsReservationAsExpired() throws Exception {
    org.assertj.core.api.Assumptions.assumeThat(new dev.vigil.rounds.diagnosis.SystemProcessTable().seesGroups()).isTrue();
    Path childFile = dir.resolve("child");
    Process leader = new ProcessBuilder("setsid", "bash", "-c", "sleep 300 & echo $! > " + childFile + "; exec sleep 300").start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.isRegularFile(childFile) && Files.size(childFile) > 0);
      long child = Long.parseLong(Files.readString(childFile).strip());
      Process dead = new ProcessBuilder("cat").start();
      var deadStart = dead.info().startInstant();
      dead.getOutputStream().close();
      dead.waitFor();
      java.time.Clock wall = java.time.Clock.systemUTC();
      try (SqliteDiagnosisStore before = SqliteDiagnosisStore.open(dir.resolve("rounds.db"), SqliteSignatureStore.Options.defaults())) {
        var gate = new dev.vigil.rounds.store.SqliteBudgetGate(() -> before, new java.math.BigDecimal("100"),
            java.time.ZoneOffset.UTC, time.clock(), Duration.ofMinutes(15), "node-" + dead.pid() + "-dead");
        var reservation = gate.reserve(new java.math.BigDecimal("2.00"), "signature 1");
        var owner = new dev.vigil.rounds.store.SqliteProcessLedger.Owner(
            "node-" + dead.pid() + "-dead", dev.vigil.rounds.store.SqliteProcessLedger.thisHost(), dead.pid(), deadStart);
        new dev.vigil.rounds.store.SqliteProcessLedger(() -> before, owner, wall).record(
            new dev.vigil.rounds.diagnosis.ProcessRunner.Started(leader.pid(), true, leader.info().startInstant()), reservation);
      }

      start(Map.of("vigil.rounds.diagnosis.backend", "claude_code"));
      manager.start(DiagnosisDaemons.DIAGNOSIS).get(10, TimeUnit.SECONDS);

      await().atMost(Duration.ofSeconds(10)).until(() -> !leader.isAlive()
          && ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
      try (SqliteDiagnosisStore after = SqliteDiagnosisStore.openReadOnly(dir.resolve("rounds.db"), Duration.ofSeconds(5))) {
        assertThat(after.processCount()).isZero();
      }
      // keep time moving until a health check has run (see aSpentBudgetDegradesHealthUntilMidnight)
      HealthCheckResult h = await().atMost(Duration.ofSeconds(10)).until(() -> {
        time.advance(Duration.ofSeconds(31));
        return manager.health(DiagnosisDaemons.DIAGNOSIS);
      }, r -> r.details().containsKey("budget_spent_today_usd"));
      assertThat(h.details()).as("the reservation was charged its cap, none is left open")
          .containsEntry("budget_spent_today_usd", "2.00");
    } finally {
      leader.destroyForcibly();
      leader.waitFor();
    }
  }

  @Test
  void theLeaseIsADecimalNumberOfMinutesLongerThanTheClaudeTimeout() throws Exception {
    Config quarter = ConfigFactory.parseMap(Map.of("vigil.daemons.DIAGNOSIS.lease-minutes", "0.25"))
        .withFallback(ConfigFactory.defaultReference()).resolve();
    assertThat(InvestigationSettings.from(quarter).lease()).isEqualTo(Duration.ofSeconds(15));
    for (String bad : List.of("0", "-1", "0.01", "1441", "soon")) {
      Config c = ConfigFactory.parseMap(Map.of("vigil.daemons.DIAGNOSIS.lease-minutes", bad))
          .withFallback(ConfigFactory.defaultReference()).resolve();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> InvestigationSettings.from(c))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.daemons.DIAGNOSIS.lease-minutes");
    }
    Config tooShort = ConfigFactory.parseMap(Map.of(
            "vigil.rounds.diagnosis.backend", "claude_code",
            "vigil.rounds.diagnosis.claude-code.timeout-seconds", 10,
            "vigil.daemons.DIAGNOSIS.lease-minutes", "0.1",
            "vigil.rounds.store.sqlite.path", dir.resolve("other.db").toString(),
            "vigil.rounds.diagnosis.codebase-path", dir.toString()))
        .withFallback(ConfigFactory.defaultReference()).resolve();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoundsModule.create(tooShort, Map.of(), time.clock()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("0.1 min (6.0 s) must be longer than the claude-code timeout (10 s)");
    Config longEnough = ConfigFactory.parseMap(Map.of(
            "vigil.rounds.diagnosis.backend", "claude_code",
            "vigil.rounds.diagnosis.claude-code.timeout-seconds", 10,
            "vigil.daemons.DIAGNOSIS.lease-minutes", "0.25",
            "vigil.rounds.store.sqlite.path", dir.resolve("other.db").toString(),
            "vigil.rounds.diagnosis.codebase-path", dir.toString()))
        .withFallback(ConfigFactory.defaultReference()).resolve();
    RoundsModule ok = RoundsModule.create(longEnough, Map.of(), time.clock());
    assertThat(ok.diagnosis().settings().lease()).isEqualTo(Duration.ofSeconds(15));
    ok.close();
  }

  @Test
  void theSpecBindsToTheStoreAndBadSettingsNameTheirKey() throws Exception {
    start(Map.of());
    DaemonSpec spec = module.specs().stream().filter(s -> s.type().equals(DiagnosisDaemons.DIAGNOSIS)).findFirst().orElseThrow();
    assertThat(spec.bindsTo()).containsExactly(RoundsModule.SIGNATURE_STORE);
    Config bad = ConfigFactory.parseMap(Map.of("vigil.daemons.DIAGNOSIS.concurrency", 0))
        .withFallback(ConfigFactory.defaultReference()).resolve();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> InvestigationSettings.from(bad))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.daemons.DIAGNOSIS.concurrency");
    Config shortLease = ConfigFactory.parseMap(Map.of(
            "vigil.rounds.diagnosis.backend", "claude_code",
            "vigil.daemons.DIAGNOSIS.lease-minutes", 5,
            "vigil.rounds.store.sqlite.path", dir.resolve("other.db").toString()))
        .withFallback(ConfigFactory.defaultReference()).resolve();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoundsModule.create(shortLease, Map.of(), time.clock()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.daemons.DIAGNOSIS.lease-minutes")
        .hasMessageContaining("600 s");
  }
}
