package dev.vigil.rounds.investigation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.core.testkit.ManualScheduler;
import dev.vigil.rounds.AuditEntry;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Fingerprinting;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore.GroupedEvent;
import dev.vigil.rounds.diagnosis.BudgetedBackend;
import dev.vigil.rounds.diagnosis.Confidence;
import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.diagnosis.DiagnosisBackend;
import dev.vigil.rounds.diagnosis.DiagnosisException;
import dev.vigil.rounds.diagnosis.EvidenceBackend;
import dev.vigil.rounds.diagnosis.InvestigationContext;
import dev.vigil.rounds.notify.FakeGithub;
import dev.vigil.rounds.notify.GithubIssueNotifier;
import dev.vigil.rounds.notify.Notification;
import dev.vigil.rounds.notify.NotificationDispatcher;
import dev.vigil.rounds.notify.NotificationPolicy;
import dev.vigil.rounds.notify.Notifier;
import dev.vigil.rounds.store.SqliteBudgetGate;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The investigator against a real SQLite file, on virtual time. */
class InvestigatorTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final Fingerprinting.Result TIMEOUT =
      new Fingerprinting.Result("aaaa", 2, "read timed out after <NUM> ms", List.of("db::query"));

  @TempDir Path dir;
  Path file;
  final ManualScheduler time = new ManualScheduler(T0);
  final List<AutoCloseable> opened = new ArrayList<>();
  final List<Notification> notified = new CopyOnWriteArrayList<>();
  SqliteSignatureStore signatures;
  InvestigationSettings settings = new InvestigationSettings(
      Duration.ofSeconds(60), 2, 10, new Triage(3, Duration.ofHours(24), 10.0), Duration.ofMinutes(15),
      Duration.ofMinutes(5), Duration.ofMinutes(60), 3, 5, 5);
  int traces;

  @BeforeEach
  void open() {
    file = dir.resolve("rounds.db");
    signatures = SqliteSignatureStore.open(file, SqliteSignatureStore.Options.defaults());
    opened.add(signatures);
  }

  @AfterEach
  void close() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  /** Counts {@code n} new events of a signature with fingerprint {@code fp}. */
  long occur(String fp, int n) {
    Fingerprinting.Result g = new Fingerprinting.Result(fp, 2, "read timed out after <NUM> ms", List.of("db::query"));
    List<GroupedEvent> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Instant at = time.clock().instant().minusSeconds(1);
      events.add(new GroupedEvent(new ErrorEvent("otlp", "checkout", "java.net.SocketTimeoutException",
          "read timed out after 30" + i + " ms", "", at, String.format("%032x", ++traces), "00f067aa0ba902b7",
          Severity.ERROR, null), g));
    }
    return signatures.ingest(events, time.clock().instant(), null).touched().get(0).signature().id();
  }

  SqliteDiagnosisStore store() {
    SqliteDiagnosisStore s = SqliteDiagnosisStore.open(file, SqliteSignatureStore.Options.defaults());
    opened.add(s);
    return s;
  }

  SqliteBudgetGate gate(SqliteDiagnosisStore s, String limit) {
    return new SqliteBudgetGate(() -> s, new BigDecimal(limit), ZoneOffset.UTC, time.clock(), Duration.ofMinutes(15), "test");
  }

  Investigator investigator(SqliteDiagnosisStore s, DiagnosisBackend backend, SqliteBudgetGate gate, String owner) {
    Notifier recording = new Notifier() {
      @Override public String name() { return "recording"; }
      @Override public void send(Notification n) { notified.add(n); }
    };
    return investigator(s, backend, gate, owner, Duration.ZERO, recording);
  }

  /** An investigator notifying {@code notifier} through a queue of its own on the store file. */
  Investigator investigator(SqliteDiagnosisStore s, DiagnosisBackend backend, SqliteBudgetGate gate, String owner,
      Duration cooldown, Notifier notifier) {
    SqliteNotificationQueue queue = SqliteNotificationQueue.open(file, SqliteSignatureStore.Options.defaults());
    opened.add(queue);
    NotificationDispatcher dispatcher = new NotificationDispatcher(List.of(notifier),
        new NotificationPolicy(cooldown, EnumSet.allOf(Confidence.class), Duration.ofSeconds(30), Duration.ofMinutes(60), 5),
        queue, time.clock(), owner);
    Investigator inv = new Investigator(() -> signatures, () -> s, backend, gate, new BigDecimal("2.00"), dispatcher,
        new ContextBuilder(null, dir, 5, 5), settings, time.clock(), owner, new InvestigationMetrics());
    opened.add(inv::shutdown);
    return inv;
  }

  Investigator evidence(SqliteDiagnosisStore s) {
    return investigator(s, new EvidenceBackend(time.clock()), gate(s, "100"), "node-a");
  }

  List<String> moves(long id) {
    return signatures.audit(id).stream()
        .map(a -> (a.from() == null ? "" : a.from().wireName()) + "->" + a.to().wireName()).toList();
  }

  @Test
  void diagnosesASignatureAtTheThresholdOnceThenOnlyWhenItGrewAfterTheCooldown() throws Exception {
    SqliteDiagnosisStore s = store();
    Investigator inv = evidence(s);
    long id = occur("aaaa", 2);
    assertThat(inv.cycle().started()).isZero(); // 2 < 3

    occur("aaaa", 1);
    Investigator.Report r = inv.cycle();
    assertThat(r.started()).isEqualTo(1);
    assertThat(r.diagnosed()).isEqualTo(1);
    assertThat(signatures.get(id).orElseThrow().status()).isEqualTo(SignatureStatus.DIAGNOSED);
    assertThat(moves(id)).containsExactly("->new", "new->investigating", "investigating->diagnosed");
    AuditEntry leased = signatures.audit(id).get(1);
    assertThat(leased.actor()).isEqualTo("node-a");
    assertThat(leased.reason()).contains("reached 3 occurrences");
    StoredDiagnosis d = s.latestDiagnosis(id).orElseThrow();
    assertThat(d.backend()).isEqualTo("evidence");
    assertThat(d.diagnosis().model()).isEqualTo("none");
    assertThat(d.diagnosis().confidence()).isEqualTo(Confidence.LOW);
    assertThat(d.occurrenceCount()).isEqualTo(3);
    assertThat(notified).hasSize(1).first().isInstanceOf(Notification.Diagnosed.class);

    occur("aaaa", 40); // grew past 10-fold, but within the cooldown
    time.advance(Duration.ofHours(23));
    assertThat(inv.cycle().started()).isZero();
    time.advance(Duration.ofHours(2));
    Investigator.Report again = inv.cycle();
    assertThat(again.diagnosed()).isEqualTo(1);
    assertThat(signatures.audit(id).get(3).reason()).contains("grew from 3 to 43");
    assertThat(s.diagnoses(id)).hasSize(2);

    time.advance(Duration.ofHours(48)); // the cooldown passed but it did not grow 10-fold again
    occur("aaaa", 5);
    assertThat(inv.cycle().started()).isZero();
  }

  @Test
  void aFailingSignatureBacksOffExponentiallyThenNeedsAHumanUntilRetriaged() throws Exception {
    SqliteDiagnosisStore s = store();
    AtomicInteger calls = new AtomicInteger();
    DiagnosisBackend failing = new Scripted(ctx -> {
      calls.incrementAndGet();
      throw new DiagnosisException(DiagnosisException.Kind.MALFORMED_ANSWER, "no JSON object in the answer");
    });
    Investigator inv = investigator(s, failing, gate(s, "100"), "node-a");
    long id = occur("aaaa", 3);

    assertThat(inv.cycle().started()).isEqualTo(1);
    InvestigationState st = s.state(id);
    assertThat(st.attempts()).isEqualTo(1);
    assertThat(st.nextAttemptAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    assertThat(st.lastError()).contains("no JSON object");
    assertThat(signatures.get(id).orElseThrow().status()).isEqualTo(SignatureStatus.NEW);

    time.advance(Duration.ofMinutes(4));
    assertThat(inv.cycle().started()).isZero(); // backing off
    time.advance(Duration.ofMinutes(1));
    assertThat(inv.cycle().started()).isEqualTo(1);
    assertThat(s.state(id).nextAttemptAt()).isEqualTo(time.clock().instant().plus(Duration.ofMinutes(10)));

    time.advance(Duration.ofMinutes(10));
    assertThat(inv.cycle().started()).isEqualTo(1); // the third (last) attempt
    st = s.state(id);
    assertThat(st.needsHuman()).isTrue();
    assertThat(s.needsHumanCount()).isEqualTo(1);
    assertThat(signatures.audit(id).get(signatures.audit(id).size() - 1).reason()).contains("needs a human after 3");
    time.advance(Duration.ofDays(2));
    assertThat(inv.cycle().started()).isZero();
    assertThat(calls.get()).isEqualTo(3);

    s.reset(id, false, "cli:alice", "the database is back", time.clock().instant());
    assertThat(s.state(id).needsHuman()).isFalse();
    assertThat(signatures.audit(id).get(signatures.audit(id).size() - 1))
        .satisfies(a -> {
          assertThat(a.actor()).isEqualTo("cli:alice");
          assertThat(a.reason()).isEqualTo("retriage: the database is back");
        });
    assertThat(inv.cycle().started()).isEqualTo(1);
  }

  @Test
  void reinvestigateQueuesASignatureBelowTheThresholdForTheNextSweep() throws Exception {
    SqliteDiagnosisStore s = store();
    long id = occur("cccc", 1); // below the threshold of 3: not due
    Investigator inv = evidence(s);
    assertThat(inv.cycle().started()).isZero();

    s.reset(id, true, "cli:alice", "look at it now", time.clock().instant());
    assertThat(inv.cycle().started()).isEqualTo(1);
    assertThat(signatures.get(id).orElseThrow().status()).isEqualTo(SignatureStatus.DIAGNOSED);
    assertThat(inv.cycle().started()).as("once").isZero();
  }

  @Test
  void aLeaseStrandedByACrashIsTakenUpAfterItExpiresExactlyOnce() throws Exception {
    SqliteDiagnosisStore crashed = store();
    long id = occur("aaaa", 3);
    // node A leases it and dies before it finishes (its investigator never reports)
    Optional<SqliteDiagnosisStore.Candidate> taken = crashed.lease(id, settings.triage(), false, "node-a",
        time.clock().instant(), time.clock().instant().plus(settings.lease()));
    assertThat(taken).isPresent();
    assertThat(signatures.get(id).orElseThrow().status()).isEqualTo(SignatureStatus.INVESTIGATING);

    // two nodes (two connections) sweep
    SqliteDiagnosisStore b = store();
    SqliteDiagnosisStore c = store();
    Investigator nodeB = evidence(b);
    Investigator nodeC = investigator(c, new EvidenceBackend(time.clock()), gate(c, "100"), "node-c");
    assertThat(nodeB.cycle().started() + nodeC.cycle().started()).isZero(); // still leased

    time.advance(Duration.ofMinutes(15));
    CountDownLatch go = new CountDownLatch(1);
    List<Investigator.Report> reports = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (Investigator inv : List.of(nodeB, nodeC)) {
      threads.add(Thread.ofPlatform().start(() -> {
        try {
          go.await();
          reports.add(inv.cycle());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
    assertThat(reports).hasSize(2);
    assertThat(reports.stream().mapToInt(Investigator.Report::diagnosed).sum()).isEqualTo(1);
    assertThat(b.diagnoses(id)).hasSize(1);
    assertThat(moves(id)).containsExactly(
        "->new", "new->investigating", "investigating->new", "new->investigating", "investigating->diagnosed");
    assertThat(signatures.audit(id).get(2).reason()).contains("the lease of node-a expired");

    // the crashed node's late result is dropped: its lease is gone
    Diagnosis late = new Diagnosis("late", List.of(), "", Confidence.HIGH, "m", Optional.empty(), Duration.ZERO);
    assertThat(crashed.recordDiagnosis(id, "node-a", "evidence", late, time.clock().instant())).isEmpty();
    assertThat(b.diagnoses(id)).hasSize(1);
  }

  @Test
  void modelCallsAreChargedThroughTheLedgerAndASpentBudgetWaitsForTheResetWithoutCountingAFailure()
      throws Exception {
    SqliteDiagnosisStore s = store();
    SqliteBudgetGate gate = gate(s, "3.00");
    DiagnosisBackend model = new BudgetedBackend(new Scripted(ctx -> new Diagnosis(
        "the pool is exhausted", List.of("30 s timeouts"), "raise the pool", Confidence.HIGH,
        "claude-sonnet-4-5", Optional.of(new BigDecimal("1.50")), Duration.ofSeconds(40))), gate, new BigDecimal("2.00"));
    Investigator inv = investigator(s, model, gate, "node-a");
    long first = occur("aaaa", 3);
    long second = occur("bbbb", 3);

    Investigator.Report r = inv.cycle();
    assertThat(r.diagnosed()).isEqualTo(1); // 1.50 spent; 1.50 + 2.00 > 3.00: no room for the second
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("1.50");
    assertThat(inv.budgetExhaustedUntil()).contains(Instant.parse("2026-03-02T00:00:00Z"));
    long diagnosedId = s.latestDiagnosis(first).isPresent() ? first : second;
    long waiting = diagnosedId == first ? second : first;
    assertThat(s.latestDiagnosis(diagnosedId).orElseThrow().diagnosis().costUsd()).contains(new BigDecimal("1.50"));
    assertThat(s.state(waiting).attempts()).isZero();
    assertThat(signatures.get(waiting).orElseThrow().status()).isEqualTo(SignatureStatus.NEW);

    time.advance(Duration.ofHours(14)); // 00:00 UTC: the next budget day
    assertThat(inv.cycle().diagnosed()).isEqualTo(1);
    assertThat(s.latestDiagnosis(waiting)).isPresent();
    // 1.50 spent of the new day's 3.00: a 2.00 call no longer fits until the next midnight
    assertThat(inv.budgetExhaustedUntil()).contains(Instant.parse("2026-03-03T00:00:00Z"));
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("1.50");
  }

  @Test
  void runsAtMostTheConcurrencyAtOnceAndAtMostThePerCycleCap() throws Exception {
    settings = new InvestigationSettings(Duration.ofSeconds(60), 2, 4, settings.triage(), settings.lease(),
        settings.retryBase(), settings.retryMax(), 3, 5, 5);
    SqliteDiagnosisStore s = store();
    AtomicInteger now = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    DiagnosisBackend slow = new Scripted(ctx -> {
      int n = now.incrementAndGet();
      max.accumulateAndGet(n, Math::max);
      try {
        Thread.sleep(50); // real work takes time; overlap is what is measured
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      now.decrementAndGet();
      return new EvidenceBackend(time.clock()).diagnose(ctx);
    });
    Investigator inv = investigator(s, slow, gate(s, "100"), "node-a");
    for (int i = 0; i < 6; i++) {
      occur("f" + i, 3);
    }
    Investigator.Report r = inv.cycle();
    assertThat(r.started()).isEqualTo(4);
    assertThat(max.get()).isLessThanOrEqualTo(2);
    assertThat(inv.cycle().started()).isEqualTo(2);
  }

  @Test
  void investigateOneIgnoresTriageButNotAMute() throws Exception {
    SqliteDiagnosisStore s = store();
    Investigator inv = evidence(s);
    long id = occur("aaaa", 1); // below the threshold
    Investigator.Result r = inv.investigateOne(id);
    assertThat(r.outcome()).isEqualTo(Investigator.Outcome.DIAGNOSED);
    assertThat(r.diagnosis()).isPresent();
    signatures.transition(id, SignatureStatus.MUTED, "cli:alice", "noise", time.clock().instant());
    assertThatThrownBy(() -> inv.investigateOne(id)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("muted");
  }

  /** A model backend whose answer the test scripts (no model can run here). */
  record Scripted(Answer answer) implements DiagnosisBackend {
    interface Answer {
      Diagnosis answer(InvestigationContext ctx) throws DiagnosisException, InterruptedException;
    }

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public boolean callsModel() {
      return true;
    }

    @Override
    public Diagnosis diagnose(InvestigationContext context) throws DiagnosisException, InterruptedException {
      return answer.answer(context);
    }
  }

  GithubIssueNotifier github(FakeGithub fake) {
    return new GithubIssueNotifier(
        new GithubIssueNotifier.Settings(fake.url(), "ghp_x", "acme", "shop", List.of(), Duration.ofSeconds(5)),
        HttpClient.newHttpClient(), time.clock());
  }

  @Test
  void aDiagnosedSignatureThatKeepsOccurringGetsOneRecurrenceCommentPerCooldownAcrossNodes() throws Exception {
    try (FakeGithub fake = new FakeGithub()) {
      SqliteDiagnosisStore sa = store();
      SqliteDiagnosisStore sb = store();
      Duration cooldown = Duration.ofMinutes(60);
      Investigator a = investigator(sa, new EvidenceBackend(time.clock()), gate(sa, "100"), "node-a", cooldown, github(fake));
      Investigator b = investigator(sb, new EvidenceBackend(time.clock()), gate(sb, "100"), "node-b", cooldown, github(fake));
      long id = occur("aaaa", 3);
      assertThat(a.cycle().diagnosed()).isEqualTo(1);
      assertThat(fake.issueCount()).isEqualTo(1);

      time.advance(Duration.ofHours(2)); // the cooldown is over, but nothing new happened
      assertThat(a.cycle().recurrences()).isZero();
      assertThat(b.cycle().recurrences()).isZero();

      occur("aaaa", 4);
      assertThat(b.cycle().recurrences()).isEqualTo(1);
      assertThat(a.cycle().recurrences()).isZero(); // told already, by the other node
      assertThat(fake.comments(1)).containsExactly(
          "Seen again: **7** occurrences in all, 4 since the last notice (3).\n\n"
              + "- **First seen:** " + signatures.get(id).orElseThrow().firstSeen() + "\n"
              + "- **Last seen:** " + signatures.get(id).orElseThrow().lastSeen());

      for (int i = 0; i < 5; i++) { // more occurrences inside the cooldown: no comment
        time.advance(Duration.ofMinutes(10));
        occur("aaaa", 1);
        a.cycle();
        b.cycle();
      }
      assertThat(fake.comments(1)).hasSize(1);
      time.advance(Duration.ofMinutes(10)); // 60 min since the last comment
      assertThat(a.cycle().recurrences() + b.cycle().recurrences()).isEqualTo(1);
      assertThat(fake.comments(1)).hasSize(2);
      assertThat(fake.comments(1).get(1)).startsWith("Seen again: **12** occurrences in all, 5 since the last notice (7).");

      // muted: no more recurrences
      signatures.transition(id, SignatureStatus.MUTED, "cli:alice", "noise", time.clock().instant());
      occur("aaaa", 3);
      time.advance(Duration.ofHours(2));
      assertThat(a.cycle().recurrences() + b.cycle().recurrences()).isZero();
      assertThat(fake.comments(1)).hasSize(2);
    }
  }

  @Test
  void aDiagnosisThatWasNeverToldHasNoRecurrences() throws Exception {
    SqliteDiagnosisStore s = store();
    Notifier recording = new Notifier() {
      @Override public String name() { return "recording"; }
      @Override public void send(Notification n) { notified.add(n); }
    };
    SqliteNotificationQueue queue = SqliteNotificationQueue.open(file, SqliteSignatureStore.Options.defaults());
    opened.add(queue);
    // only high-confidence diagnoses notify; the evidence report is low
    NotificationDispatcher highOnly = new NotificationDispatcher(List.of(recording),
        new NotificationPolicy(Duration.ZERO, EnumSet.of(Confidence.HIGH), Duration.ofSeconds(30), Duration.ofMinutes(60), 5),
        queue, time.clock(), "node-a");
    Investigator inv = new Investigator(() -> signatures, () -> s, new EvidenceBackend(time.clock()), gate(s, "100"),
        new BigDecimal("2.00"), highOnly, new ContextBuilder(null, dir, 5, 5), settings, time.clock(), "node-a",
        new InvestigationMetrics());
    opened.add(inv::shutdown);
    occur("aaaa", 3);
    assertThat(inv.cycle().diagnosed()).isEqualTo(1);
    occur("aaaa", 5);
    time.advance(Duration.ofHours(1));
    assertThat(inv.cycle().recurrences()).isZero();
    assertThat(notified).isEmpty();
  }
}
