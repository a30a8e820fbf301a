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
  void concurrentBatchesAreEachCountedOnceWhenCommittedTogether() throws Exception {
    // 8 threads, 20 batches each; every batch repeats identities of other threads' batches, so
    // duplicates are found within and across the batches that share a transaction
    int threads = 8;
    int batches = 20;
    List<IngestOutcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      started.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (int b = 0; b < batches; b++) {
                      List<GroupedEvent> batch = new ArrayList<>();
                      for (int i = 0; i < 30; i++) {
                        int id = (thread * batches + b) * 30 + i;
                        batch.add(event(i % 3 == 0 ? NPE : TIMEOUT, "t" + id, T0.plusMillis(id)));
                        // the same event as another thread's batch holds
                        int other = (((thread + 1) % threads) * batches + b) * 30 + i;
                        if (i % 5 == 0) {
                          batch.add(event(other % 3 == 0 ? NPE : TIMEOUT, "t" + other, T0.plusMillis(other)));
                        }
                      }
                      outcomes.add(store.ingest(batch, T0.plusSeconds(60), null));
                    }
                  }));
    }
    for (Thread t : started) {
      t.join();
    }

    int distinct = threads * batches * 30;
    assertThat(outcomes).hasSize(threads * batches);
    assertThat(outcomes.stream().mapToInt(IngestOutcome::accepted).sum()).isEqualTo(distinct);
    assertThat(outcomes).allSatisfy(o -> assertThat(o.accepted() + o.duplicates()).isEqualTo(36));
    long npe = IntStream.range(0, distinct).filter(id -> id % 30 % 3 == 0).count();
    assertThat(store.byFingerprint("bbbb").orElseThrow().occurrenceCount()).isEqualTo(npe);
    assertThat(store.byFingerprint("aaaa").orElseThrow().occurrenceCount()).isEqualTo(distinct - npe);
    // each signature was created by exactly one batch
    assertThat(outcomes.stream().flatMap(o -> o.touched().stream()).filter(t -> t.created())).hasSize(2);
    // each batch saw the count as of its own events: the ranges (count - added, count] of all
    // batches tile 1..final exactly, so a threshold is crossed in exactly one batch
    for (String fingerprint : List.of("aaaa", "bbbb")) {
      List<long[]> ranges =
          outcomes.stream()
              .flatMap(o -> o.touched().stream())
              .filter(t -> t.signature().fingerprint().equals(fingerprint))
              .map(t -> new long[] {t.signature().occurrenceCount() - t.added(), t.signature().occurrenceCount()})
              .sorted(java.util.Comparator.comparingLong(r -> r[0]))
              .toList();
      long next = 0;
      for (long[] r : ranges) {
        assertThat(r[0]).isEqualTo(next);
        next = r[1];
      }
      assertThat(next).isEqualTo(store.byFingerprint(fingerprint).orElseThrow().occurrenceCount());
    }
  }

  @Test
  void aBatchThatFailsInAGroupCommitFailsAloneAndTheOthersCommit() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TRIGGER boom BEFORE INSERT ON samples WHEN NEW.trace_id = 'poison'"
              + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    }
    List<Object> results = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> senders = new ArrayList<>();
    // another process holds the write lock: the first batch waits in BEGIN while holding the
    // store's lock, and the next ones queue up behind it to be committed as one group
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = other.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      senders.add(Thread.ofVirtual().start(() -> results.add(store.ingest(List.of(event(TIMEOUT, "first", T0)), T0, null))));
      org.awaitility.Awaitility.await().until(() -> store.waitingBatches() == 0);
      for (String trace : List.of("a", "poison", "b")) {
        senders.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        results.add(store.ingest(List.of(event(NPE, trace, T0.plusSeconds(1))), T0, null));
                      } catch (StoreException e) {
                        results.add(e);
                      }
                    }));
      }
      org.awaitility.Awaitility.await().until(() -> store.waitingBatches() == 3);
      s.execute("COMMIT");
    }
    for (Thread t : senders) {
      t.join();
    }

    assertThat(results).hasSize(4);
    assertThat(results).filteredOn(r -> r instanceof StoreException).singleElement()
        .satisfies(e -> assertThat(((StoreException) e).getMessage()).contains("injected failure"));
    assertThat(results).filteredOn(r -> r instanceof IngestOutcome).hasSize(3);
    assertThat(store.byFingerprint("aaaa").orElseThrow().occurrenceCount()).isEqualTo(1);
    assertThat(store.byFingerprint("bbbb").orElseThrow().occurrenceCount()).isEqualTo(2);
    assertThat(store.samples(store.byFingerprint("bbbb").orElseThrow().id()))
        .extracting(Sample::traceId).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void committedBatchesReachTheDatabaseFileWhileTheStoreStaysOpen() throws Exception {
    // the WAL is checkpointed in the background, below the writer's own threshold
    long empty = java.nio.file.Files.size(file);
    List<GroupedEvent> batch = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      batch.add(event(i % 2 == 0 ? TIMEOUT : NPE, "t" + i, T0.plusMillis(i)));
    }
    store.ingest(batch, T0, null);

    // what is in the file alone (a copy, read without the WAL) is the committed batch
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> java.nio.file.Files.size(file) > empty && identitiesInACopyOfTheFile() == 2_000);
  }

  private long identitiesInACopyOfTheFile() throws Exception {
    Path copy = java.nio.file.Files.createTempFile(dir, "copy", ".db");
    java.nio.file.Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM seen_events")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void aClosedStoreRefusesBatches() {
    store.ingest(List.of(event(TIMEOUT, "t1", T0)), T0, null);
    store.close();
    assertThatThrownBy(() -> store.ingest(List.of(event(TIMEOUT, "t2", T0)), T0, null))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
    store = SqliteSignatureStore.open(file, SqliteSignatureStore.Options.defaults());
    assertThat(store.byFingerprint("aaaa").orElseThrow().occurrenceCount()).isEqualTo(1);
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
