package dev.vigil.rounds.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.core.testkit.ManualScheduler;
import dev.vigil.rounds.AuditEntry;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.FakeTelemetrySource;
import dev.vigil.rounds.Fingerprinting;
import dev.vigil.rounds.IngestPipeline;
import dev.vigil.rounds.RoundsMetrics;
import dev.vigil.rounds.Sample;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureEvent;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exactly-once counting through overlapping windows, backlogs, failures and restarts. */
class PollCycleTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  /** Groups by the message as it is: templating is not what these tests are about. */
  static final Fingerprinting BY_MESSAGE =
      (service, type, message, stack) ->
          new Fingerprinting.Result(service + "/" + message, 2, message, List.of());

  @TempDir Path dir;
  final ManualScheduler time = new ManualScheduler(T0);
  final FakeTelemetrySource source = new FakeTelemetrySource("jaeger", time.clock());
  final RoundsMetrics metrics = new RoundsMetrics();
  final List<SignatureEvent> published = new ArrayList<>();
  final Map<String, Integer> truth = new TreeMap<>();
  final AtomicBoolean crashBeforeCommit = new AtomicBoolean();
  SqliteSignatureStore store;
  PollCycle cycle;

  PollCycle.Settings settings =
      new PollCycle.Settings(
          Duration.ofMinutes(5), Duration.ofSeconds(120), Duration.ofSeconds(15), 10, 25, 3, Set.of());

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  /** Opens the store and builds the cycle as a fresh process would: no cache carried over. */
  void boot() {
    if (store != null) {
      store.close();
    }
    store = SqliteSignatureStore.open(dir.resolve("rounds.db"), new SqliteSignatureStore.Options(Duration.ofSeconds(5), "normal", 10));
    SignatureStore crashing = new CrashingStore(store, crashBeforeCommit);
    IngestPipeline pipeline =
        new IngestPipeline(
            () -> crashing,
            BY_MESSAGE,
            new IngestPipeline.Settings(3, Duration.ofHours(48), settings.overlap(), Duration.ofMinutes(10)),
            time.clock(),
            metrics);
    cycle = new PollCycle(source, pipeline, () -> crashing, settings, time.clock());
  }

  ErrorEvent error(String service, String message, Instant at, String traceId) {
    return new ErrorEvent(
        "jaeger", service, "java.io.IOException", message, "", at, traceId, "0123456789abcdef", Severity.ERROR, null);
  }

  /** 600 events of 12 kinds over 40 minutes; every 7th is indexed late (100 s, inside the overlap). */
  void seed(int count) {
    Random random = new Random(42);
    Instant start = T0.minus(Duration.ofMinutes(4));
    for (int i = 0; i < count; i++) {
      Instant at = start.plusMillis(random.nextInt(40 * 60 * 1000)).plusNanos(i);
      String message = "failure kind " + (i % 12);
      String service = i % 2 == 0 ? "checkout" : "billing";
      Duration indexing = i % 7 == 0 ? Duration.ofSeconds(100) : Duration.ofSeconds(random.nextInt(10));
      source.add(error(service, message, at, String.format("%032x", i)), indexing);
      truth.merge(service + "/" + message, 1, Integer::sum);
    }
  }

  Map<String, Integer> counts() {
    Map<String, Integer> counts = new TreeMap<>();
    for (Signature s : store.list(SignatureStore.Query.all(10_000))) {
      counts.put(s.fingerprint(), (int) s.occurrenceCount());
    }
    return counts;
  }

  PollCycle.Report poll() throws Exception {
    return cycle.run(published::add);
  }

  @Test
  void theSameEventsOverManyOverlappingPollsEndWithExactCounts() throws Exception {
    seed(600);
    boot();
    int accepted = 0;
    int duplicates = 0;
    for (int minute = 0; minute < 60; minute++) {
      PollCycle.Report r = poll();
      accepted += r.result().accepted();
      duplicates += r.result().duplicates();
      time.advance(Duration.ofSeconds(60));
    }
    // polling a quiet window again and again changes nothing
    for (int i = 0; i < 5; i++) {
      assertThat(poll().result().accepted()).isZero();
    }

    assertThat(counts()).isEqualTo(truth);
    assertThat(accepted).isEqualTo(600);
    assertThat(duplicates).as("the overlap re-read events and they were dropped").isPositive();
    assertThat(metrics.collect().stream().map(m -> m.getMetadata().getPrometheusName()).toList())
        .contains("vigil_rounds_events_ingested", "vigil_rounds_events_duplicate");
  }

  @Test
  void crashesBetweenFetchAndCommitFailuresAndRestartsStillCountEachEventOnce() throws Exception {
    seed(600);
    boot();
    Random chaos = new Random(7);
    int crashes = 0;
    int sourceFailures = 0;
    int restarts = 0;
    for (int minute = 0; minute < 60; minute++) {
      switch (chaos.nextInt(6)) {
        case 0 -> { // the process dies after fetching, before the commit
          crashBeforeCommit.set(true);
          assertThatThrownBy(this::poll).isInstanceOf(StoreException.class);
          crashes++;
          boot();
        }
        case 1 -> { // the backend fails
          source.failNext(new TelemetryException(TelemetryException.Kind.SERVER_ERROR, "503 after retries"));
          assertThatThrownBy(this::poll).isInstanceOf(TelemetryException.class);
          sourceFailures++;
        }
        case 2 -> { // a restart between cycles: fresh caches, same file
          boot();
          restarts++;
          poll();
        }
        default -> poll();
      }
      time.advance(Duration.ofSeconds(60));
    }
    poll();

    assertThat(crashes).isPositive();
    assertThat(sourceFailures).isPositive();
    assertThat(restarts).isPositive();
    assertThat(counts()).isEqualTo(truth);
  }

  @Test
  void aBacklogIsRecordedThenDrainedByLaterCycles() throws Exception {
    settings = new PollCycle.Settings(Duration.ofMinutes(5), Duration.ofSeconds(120), Duration.ofSeconds(15), 10, 20, 2, Set.of());
    for (int i = 0; i < 100; i++) {
      source.add(error("checkout", "boom", T0.minusSeconds(200).plusSeconds(i), "t" + i), Duration.ZERO);
    }
    boot();

    PollCycle.Report first = poll();

    assertThat(first.fetches()).isEqualTo(2);
    assertThat(first.result().accepted()).isEqualTo(40);
    assertThat(first.backlogFrom()).isEqualTo(T0.minusSeconds(200).plusSeconds(40));
    assertThat(store.watermark("jaeger").orElseThrow().backlogFrom()).isEqualTo(first.backlogFrom());

    PollCycle.Report second = poll(); // resumes from the watermark minus the overlap
    PollCycle.Report third = poll();
    PollCycle.Report fourth = poll();

    assertThat(fourth.backlogFrom()).isNull();
    assertThat(store.watermark("jaeger").orElseThrow().backlogFrom()).isNull();
    assertThat(store.watermark("jaeger").orElseThrow().position()).isEqualTo(T0.minusSeconds(15));
    assertThat(store.byFingerprint("checkout/boom").orElseThrow().occurrenceCount()).isEqualTo(100);
    assertThat(second.result().accepted() + third.result().accepted() + fourth.result().accepted()).isEqualTo(60);
  }

  @Test
  void theFirstWindowIsTheLookbackAndLaterOnesStartAnOverlapBeforeTheWatermark() throws Exception {
    boot();
    PollCycle.Report first = poll();
    time.advance(Duration.ofSeconds(60));
    PollCycle.Report second = poll();

    assertThat(first.from()).isEqualTo(T0.minus(Duration.ofMinutes(5)));
    assertThat(first.to()).isEqualTo(T0.minusSeconds(15));
    assertThat(second.from()).isEqualTo(T0.minusSeconds(15 + 120));
    assertThat(second.to()).isEqualTo(T0.plusSeconds(60 - 15));
    assertThat(source.reads()).isEqualTo(2);
  }

  @Test
  void aServiceFilterDropsOtherServicesButStillMovesTheWatermark() throws Exception {
    settings = new PollCycle.Settings(Duration.ofMinutes(5), Duration.ofSeconds(120), Duration.ofSeconds(15), 10, 100, 1, Set.of("billing"));
    source.add(error("checkout", "a", T0.minusSeconds(60), "t1"), Duration.ZERO);
    source.add(error("billing", "b", T0.minusSeconds(60), "t2"), Duration.ZERO);
    boot();

    PollCycle.Report r = poll();

    assertThat(r.fetched()).isEqualTo(2);
    assertThat(r.filtered()).isEqualTo(1);
    assertThat(counts()).containsOnlyKeys("billing/b");
    assertThat(store.watermark("jaeger").orElseThrow().position()).isEqualTo(T0.minusSeconds(15));
  }

  @Test
  void publishesNewSignaturesAndTheThresholdCrossingOnce() throws Exception {
    for (int i = 0; i < 5; i++) {
      source.add(error("checkout", "boom", T0.minusSeconds(100).plusSeconds(i * 30L), "t" + i), Duration.ZERO);
    }
    boot();
    poll(); // t0..t2 (the window ends 15 s ago)
    time.advance(Duration.ofSeconds(60));
    poll();
    time.advance(Duration.ofSeconds(60));
    poll();

    assertThat(published)
        .extracting(e -> e.getClass().getSimpleName() + ":" + e.signature().occurrenceCount())
        .containsExactly("Created:3", "ThresholdReached:3");
    assertThat(store.byFingerprint("checkout/boom").orElseThrow().occurrenceCount()).isEqualTo(5);
    Signature s = store.byFingerprint("checkout/boom").orElseThrow();
    assertThat(store.samples(s.id())).extracting(Sample::traceId).containsExactly("t4", "t3", "t2", "t1", "t0");
    assertThat(store.audit(s.id())).extracting(AuditEntry::to).containsExactly(SignatureStatus.NEW);
  }

  @Test
  void aSourceReportingABacklogThatWouldNotProgressIsAnError() throws Exception {
    dev.vigil.rounds.TelemetrySource stuck =
        new dev.vigil.rounds.TelemetrySource() {
          @Override
          public String name() {
            return "stuck";
          }

          @Override
          public Batch fetch(Instant from, Instant to, int pageSize, int limit) {
            return new Batch(List.of(), 0, from);
          }
        };
    boot();
    PollCycle c =
        new PollCycle(
            stuck,
            new IngestPipeline(() -> store, BY_MESSAGE, new IngestPipeline.Settings(3, Duration.ofHours(1), Duration.ZERO, Duration.ofHours(1)), time.clock(), metrics),
            () -> store,
            settings,
            time.clock());
    assertThatThrownBy(() -> c.run(e -> {}))
        .isInstanceOf(TelemetryException.class)
        .hasMessageContaining("never make progress");
    assertThat(store.watermark("stuck")).isEmpty();
  }

  /** A store that, when armed, fails the next ingest before anything is written: a crash after the fetch. */
  static final class CrashingStore implements SignatureStore {
    private final SignatureStore delegate;
    private final AtomicBoolean armed;

    CrashingStore(SignatureStore delegate, AtomicBoolean armed) {
      this.delegate = delegate;
      this.armed = armed;
    }

    @Override
    public IngestOutcome ingest(List<GroupedEvent> events, Instant now, WatermarkAdvance advance) {
      if (armed.getAndSet(false)) {
        throw new StoreException("simulated crash between fetch and commit");
      }
      return delegate.ingest(events, now, advance);
    }

    @Override
    public Optional<Watermark> watermark(String source) {
      return delegate.watermark(source);
    }

    @Override
    public List<Signature> list(Query query) {
      return delegate.list(query);
    }

    @Override
    public Optional<Signature> get(long id) {
      return delegate.get(id);
    }

    @Override
    public Optional<Signature> byFingerprint(String fingerprint) {
      return delegate.byFingerprint(fingerprint);
    }

    @Override
    public List<Sample> samples(long signatureId) {
      return delegate.samples(signatureId);
    }

    @Override
    public List<AuditEntry> audit(long signatureId) {
      return delegate.audit(signatureId);
    }

    @Override
    public Optional<Signature> transition(long id, SignatureStatus to, String actor, String reason, Instant at) {
      return delegate.transition(id, to, actor, reason, at);
    }

    @Override
    public int expireSeen(Instant ingestedBefore, Duration overlap) {
      return delegate.expireSeen(ingestedBefore, overlap);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

}
