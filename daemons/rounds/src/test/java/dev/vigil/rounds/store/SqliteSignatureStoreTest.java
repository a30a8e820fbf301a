package dev.vigil.rounds.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rounds.AuditEntry;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Fingerprinting;
import dev.vigil.rounds.Sample;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore.GroupedEvent;
import dev.vigil.rounds.SignatureStore.IllegalTransitionException;
import dev.vigil.rounds.SignatureStore.IngestOutcome;
import dev.vigil.rounds.SignatureStore.Query;
import dev.vigil.rounds.SignatureStore.WatermarkAdvance;
import dev.vigil.rounds.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSignatureStoreTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final Fingerprinting.Result TIMEOUT =
      new Fingerprinting.Result("aaaa", 2, "read timed out after <NUM> ms", List.of("db::query"));
  static final Fingerprinting.Result NPE =
      new Fingerprinting.Result("bbbb", 2, "null at <*>", List.of());

  @TempDir Path dir;
  Path file;
  SqliteSignatureStore store;

  @BeforeEach
  void open() {
    file = dir.resolve("state/rounds.db");
    store = SqliteSignatureStore.open(file, SqliteSignatureStore.Options.defaults());
  }

  @AfterEach
  void close() {
    store.close();
  }

  static GroupedEvent event(Fingerprinting.Result g, String traceId, Instant time) {
    return new GroupedEvent(
        new ErrorEvent(
            "jaeger",
            "checkout",
            "java.net.SocketTimeoutException",
            "read timed out after " + time.getNano() + " ms",
            "",
            time,
            traceId,
            "00f067aa0ba902b7",
            Severity.ERROR,
            null),
        g);
  }

  @Test
  void countsEachIdentityOnceAcrossBatchesAndWithinOne() {
    GroupedEvent a = event(TIMEOUT, "t1", T0);
    GroupedEvent b = event(TIMEOUT, "t2", T0.plusSeconds(5));
    GroupedEvent c = event(NPE, "t3", T0.plusSeconds(1));

    IngestOutcome first = store.ingest(List.of(a, b, a, c), T0.plusSeconds(60), null);
    IngestOutcome again = store.ingest(List.of(c, b, a), T0.plusSeconds(120), null);

    assertThat(first.accepted()).isEqualTo(3);
    assertThat(first.duplicates()).isEqualTo(1);
    assertThat(first.touched()).extracting(t -> t.signature().fingerprint(), t -> t.added(), t -> t.created())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("aaaa", 2L, true),
            org.assertj.core.groups.Tuple.tuple("bbbb", 1L, true));
    assertThat(again.accepted()).isZero();
    assertThat(again.duplicates()).isEqualTo(3);
    Signature timeout = store.byFingerprint("aaaa").orElseThrow();
    assertThat(timeout.occurrenceCount()).isEqualTo(2);
    assertThat(timeout.firstSeen()).isEqualTo(T0);
    assertThat(timeout.lastSeen()).isEqualTo(T0.plusSeconds(5));
    assertThat(timeout.status()).isEqualTo(SignatureStatus.NEW);
    assertThat(timeout.fingerprintVersion()).isEqualTo(2);
    assertThat(timeout.service()).isEqualTo("checkout");
    assertThat(timeout.errorType()).isEqualTo("java.net.SocketTimeoutException");
    assertThat(timeout.messageTemplate()).isEqualTo("read timed out after <NUM> ms");
    assertThat(timeout.frames()).containsExactly("db::query");
    assertThat(store.byFingerprint("bbbb").orElseThrow().frames()).isEmpty();
  }

  @Test
  void theSameTraceAndSpanAtAnotherTimeIsAnotherEvent() {
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, null);
    IngestOutcome later = store.ingest(List.of(event(TIMEOUT, "t1", T0.plusNanos(1))), T0, null);
    assertThat(later.accepted()).isEqualTo(1);
    assertThat(store.byFingerprint("aaaa").orElseThrow().occurrenceCount()).isEqualTo(2);
  }

  @Test
  void firstAndLastSeenFollowEventTimesNotArrivalOrder() {
    store.ingest(List.of(event(TIMEOUT, "t1", T0.plusSeconds(30))), T0, null);
    store.ingest(List.of(event(TIMEOUT, "t2", T0)), T0, null); // late arrival of an older event
    store.ingest(List.of(event(TIMEOUT, "t3", T0.plusSeconds(10))), T0, null);
    Signature s = store.byFingerprint("aaaa").orElseThrow();
    assertThat(s.firstSeen()).isEqualTo(T0);
    assertThat(s.lastSeen()).isEqualTo(T0.plusSeconds(30));
    assertThat(s.occurrenceCount()).isEqualTo(3);
  }

  @Test
  void keepsABoundedRingOfTheNewestSamples() {
    store.close();
    store = SqliteSignatureStore.open(file, new SqliteSignatureStore.Options(Duration.ofSeconds(1), "normal", 3));
    store.ingest(List.of(event(TIMEOUT, "t1", T0), event(TIMEOUT, "t2", T0.plusSeconds(1))), T0, null);
    store.ingest(
        IntStream.rangeClosed(3, 7).mapToObj(i -> event(TIMEOUT, "t" + i, T0.plusSeconds(i))).toList(),
        T0,
        null);
    store.ingest(List.of(event(TIMEOUT, "t8", T0.plusSeconds(8))), T0, null);

    Signature s = store.byFingerprint("aaaa").orElseThrow();
    List<Sample> samples = store.samples(s.id());
    assertThat(s.occurrenceCount()).isEqualTo(8);
    assertThat(samples).extracting(Sample::traceId).containsExactly("t8", "t7", "t6");
    assertThat(samples.get(0).spanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(samples.get(0).source()).isEqualTo("jaeger");
    assertThat(samples.get(0).time()).isEqualTo(T0.plusSeconds(8));
  }

  @Test
  void creationAndEveryTransitionAreAuditedWithActorAndReason() {
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, null);
    long id = store.byFingerprint("aaaa").orElseThrow().id();

    store.transition(id, SignatureStatus.INVESTIGATING, "diagnosis", "threshold reached", T0.plusSeconds(1));
    store.transition(id, SignatureStatus.DIAGNOSED, "diagnosis", "pool exhausted", T0.plusSeconds(2));
    Signature resolved =
        store.transition(id, SignatureStatus.RESOLVED, "cli:alice", "fixed in 1.4.2", T0.plusSeconds(3)).orElseThrow();

    assertThat(resolved.status()).isEqualTo(SignatureStatus.RESOLVED);
    assertThat(resolved.statusChangedAt()).isEqualTo(T0.plusSeconds(3));
    assertThat(store.audit(id))
        .extracting(AuditEntry::actor, AuditEntry::from, AuditEntry::to, AuditEntry::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("ingest", null, SignatureStatus.NEW, "first seen"),
            org.assertj.core.groups.Tuple.tuple(
                "diagnosis", SignatureStatus.NEW, SignatureStatus.INVESTIGATING, "threshold reached"),
            org.assertj.core.groups.Tuple.tuple(
                "diagnosis", SignatureStatus.INVESTIGATING, SignatureStatus.DIAGNOSED, "pool exhausted"),
            org.assertj.core.groups.Tuple.tuple(
                "cli:alice", SignatureStatus.DIAGNOSED, SignatureStatus.RESOLVED, "fixed in 1.4.2"));
  }

  @Test
  void anIllegalTransitionIsRefusedAndChangesNothing() {
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, null);
    long id = store.byFingerprint("aaaa").orElseThrow().id();

    assertThatThrownBy(() -> store.transition(id, SignatureStatus.DIAGNOSED, "x", "y", T0))
        .isInstanceOf(IllegalTransitionException.class)
        .hasMessageContaining("to be in a status that can move to diagnosed, but it is new");
    assertThat(store.get(id).orElseThrow().status()).isEqualTo(SignatureStatus.NEW);
    assertThat(store.audit(id)).hasSize(1);
    assertThat(store.transition(9_999, SignatureStatus.MUTED, "x", "y", T0)).isEmpty();
    // the store is still usable after the refusal
    assertThat(store.transition(id, SignatureStatus.MUTED, "cli:bob", "noise", T0)).isPresent();
  }

  @Test
  void aResolvedSignatureThatRecursIsNewAgainWithTheRegressionFlag() {
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, null);
    long id = store.byFingerprint("aaaa").orElseThrow().id();
    Instant resolvedAt = T0.plusSeconds(60);
    store.transition(id, SignatureStatus.RESOLVED, "cli:alice", "fixed", resolvedAt);

    // an event from before the fix that arrives late is counted but is no regression
    IngestOutcome late = store.ingest(List.of(event(TIMEOUT, "t2", T0.plusSeconds(30))), resolvedAt.plusSeconds(5), null);
    assertThat(late.touched().get(0).regressed()).isFalse();
    assertThat(store.get(id).orElseThrow().status()).isEqualTo(SignatureStatus.RESOLVED);

    IngestOutcome recurred =
        store.ingest(List.of(event(TIMEOUT, "t3", resolvedAt.plusSeconds(10))), resolvedAt.plusSeconds(20), null);

    Signature s = store.get(id).orElseThrow();
    assertThat(recurred.touched().get(0).regressed()).isTrue();
    assertThat(s.status()).isEqualTo(SignatureStatus.NEW);
    assertThat(s.regression()).isTrue();
    assertThat(s.occurrenceCount()).isEqualTo(3);
    AuditEntry last = store.audit(id).getLast();
    assertThat(last.regression()).isTrue();
    assertThat(last.from()).isEqualTo(SignatureStatus.RESOLVED);
    assertThat(last.to()).isEqualTo(SignatureStatus.NEW);
    assertThat(last.actor()).isEqualTo("ingest");
    assertThat(last.reason()).contains("recurred");
  }

  @Test
  void aMutedSignatureKeepsCountingAndStaysMuted() {
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, null);
    long id = store.byFingerprint("aaaa").orElseThrow().id();
    store.transition(id, SignatureStatus.MUTED, "cli:alice", "known noise", T0);
    store.ingest(List.of(event(TIMEOUT, "t2", T0.plusSeconds(10))), T0.plusSeconds(20), null);
    Signature s = store.get(id).orElseThrow();
    assertThat(s.status()).isEqualTo(SignatureStatus.MUTED);
    assertThat(s.occurrenceCount()).isEqualTo(2);
  }

  @Test
  void theWatermarkMovesWithTheBatchAndNeverBackwards() {
    assertThat(store.watermark("jaeger")).isEmpty();
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0.plusSeconds(60), new WatermarkAdvance("jaeger", T0.plusSeconds(30), null));
    store.ingest(List.of(), T0.plusSeconds(90), new WatermarkAdvance("jaeger", T0.plusSeconds(10), T0.plusSeconds(10)));

    var w = store.watermark("jaeger").orElseThrow();
    assertThat(w.position()).isEqualTo(T0.plusSeconds(30));
    assertThat(w.backlogFrom()).isEqualTo(T0.plusSeconds(10));
    assertThat(w.updatedAt()).isEqualTo(T0.plusSeconds(90));
  }

  @Test
  void aBatchThatFailsHalfWayLeavesNothingBehind() throws Exception {
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, new WatermarkAdvance("jaeger", T0, null));
    // a real failure in the middle of the transaction: after the identities and counts are
    // written, the sample insert of one event aborts
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TRIGGER boom BEFORE INSERT ON samples WHEN NEW.trace_id = 'poison'"
              + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    }
    List<GroupedEvent> batch =
        List.of(event(TIMEOUT, "t2", T0.plusSeconds(1)), event(NPE, "poison", T0.plusSeconds(2)));

    assertThatThrownBy(() -> store.ingest(batch, T0.plusSeconds(60), new WatermarkAdvance("jaeger", T0.plusSeconds(50), null)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("injected failure");

    assertThat(store.byFingerprint("aaaa").orElseThrow().occurrenceCount()).isEqualTo(1);
    assertThat(store.byFingerprint("bbbb")).isEmpty();
    assertThat(store.watermark("jaeger").orElseThrow().position()).isEqualTo(T0);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER boom");
    }
    // the retry counts everything once, the signature created by the failed batch included
    IngestOutcome retry = store.ingest(batch, T0.plusSeconds(70), new WatermarkAdvance("jaeger", T0.plusSeconds(50), null));
    assertThat(retry.accepted()).isEqualTo(2);
    assertThat(retry.touched()).extracting(t -> t.created()).containsExactly(false, true);
    assertThat(store.byFingerprint("aaaa").orElseThrow().occurrenceCount()).isEqualTo(2);
    assertThat(store.byFingerprint("bbbb").orElseThrow().occurrenceCount()).isEqualTo(1);
  }

  @Test
  void listsFilteredByStatusAndServiceMostRecentFirst() {
    store.ingest(List.of(event(TIMEOUT, "t1", T0), event(NPE, "t2", T0.plusSeconds(9))), T0, null);
    long npe = store.byFingerprint("bbbb").orElseThrow().id();
    store.transition(npe, SignatureStatus.MUTED, "cli", "noise", T0);

    assertThat(store.list(Query.all(10))).extracting(Signature::fingerprint).containsExactly("bbbb", "aaaa");
    assertThat(store.list(new Query(SignatureStatus.NEW, null, 10))).extracting(Signature::fingerprint).containsExactly("aaaa");
    assertThat(store.list(new Query(null, "checkout", 1))).extracting(Signature::fingerprint).containsExactly("bbbb");
    assertThat(store.list(new Query(null, "billing", 10))).isEmpty();
  }

  @Test
  void aReaderInAnotherConnectionSeesCommittedBatchesWhileTheWriterIsOpen() {
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, null);
    try (SqliteSignatureStore reader = SqliteSignatureStore.openReadOnly(file, Duration.ofSeconds(1))) {
      assertThat(reader.list(Query.all(10))).hasSize(1);
      store.ingest(List.of(event(TIMEOUT, "t2", T0.plusSeconds(1))), T0, null);
      assertThat(reader.byFingerprint("aaaa").orElseThrow().occurrenceCount()).isEqualTo(2);
      assertThatThrownBy(() -> reader.ingest(List.of(), T0, null)).hasMessageContaining("read-only");
    }
  }

  @Test
  void anotherWriterCanCommitBetweenBatches() {
    // the writer holds no lock between batches, so vigil scan can write next to a running node
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, null);
    try (SqliteSignatureStore other = SqliteSignatureStore.open(file, new SqliteSignatureStore.Options(Duration.ofMillis(200), "full", 10))) {
      other.ingest(List.of(event(TIMEOUT, "t2", T0.plusSeconds(1))), T0, null);
    }
    store.ingest(List.of(event(TIMEOUT, "t3", T0.plusSeconds(2))), T0, null);
    assertThat(store.byFingerprint("aaaa").orElseThrow().occurrenceCount()).isEqualTo(3);
  }

  @Test
  void reopeningKeepsDataAndTheSchemaVersion() throws Exception {
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, null);
    store.close();
    store = SqliteSignatureStore.open(file, SqliteSignatureStore.Options.defaults());
    assertThat(store.byFingerprint("aaaa").orElseThrow().occurrenceCount()).isEqualTo(1);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("wal");
      assertThat(Migrations.version(c)).isEqualTo(Migrations.current());
    }
  }

  @Test
  void refusesAStoreFromANewerVigilAndAMissingOne() throws Exception {
    store.close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version = 99");
    }
    assertThatThrownBy(() -> SqliteSignatureStore.open(file, SqliteSignatureStore.Options.defaults()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("schema version 99, newer than the " + Migrations.current() + " this vigil knows");
    assertThatThrownBy(() -> SqliteSignatureStore.openReadOnly(dir.resolve("nope.db"), Duration.ofSeconds(1)))
        .hasMessageContaining("no signature store at");
    store = SqliteSignatureStore.open(dir.resolve("other.db"), SqliteSignatureStore.Options.defaults());
  }

  @Test
  void expiresOldIdentitiesButNotThoseAPollCouldReadAgain() {
    Instant wm = T0.plusSeconds(3600);
    List<GroupedEvent> old = new ArrayList<>();
    old.add(event(TIMEOUT, "old", T0)); // far behind the watermark
    old.add(event(TIMEOUT, "near", wm.minusSeconds(60))); // within the overlap
    store.ingest(old, T0, new WatermarkAdvance("jaeger", wm, null));

    int forgotten = store.expireSeen(T0.plusSeconds(1), Duration.ofMinutes(2));

    assertThat(forgotten).isEqualTo(1);
    assertThat(store.ingest(old, wm, null).accepted()).isEqualTo(1); // only "old" counts again
  }
}
