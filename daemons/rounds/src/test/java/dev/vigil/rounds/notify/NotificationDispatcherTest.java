package dev.vigil.rounds.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rounds.MutableClock;
import dev.vigil.rounds.diagnosis.Confidence;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dispatcher on the real SQLite queue (one file, one connection per dispatcher), on virtual time. */
class NotificationDispatcherTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T12:00:00Z"));
  private final List<SqliteNotificationQueue> opened = new ArrayList<>();
  @TempDir Path dir;
  private SqliteNotificationQueue queue;

  @BeforeEach
  void open() {
    queue = openQueue();
  }

  @AfterEach
  void close() {
    opened.forEach(SqliteNotificationQueue::close);
  }

  /** Another connection to the same store file, as another process would have. */
  private SqliteNotificationQueue openQueue() {
    SqliteNotificationQueue q =
        SqliteNotificationQueue.open(dir.resolve("rounds.db"), SqliteSignatureStore.Options.defaults());
    opened.add(q);
    return q;
  }

  /** A notifier that records what it delivered and fails as told. */
  static final class Scripted implements Notifier {
    final String name;
    final List<String> delivered = Collections.synchronizedList(new ArrayList<>());
    final List<Notification> received = Collections.synchronizedList(new ArrayList<>());
    final Deque<NotificationException> failures = new ArrayDeque<>();

    Scripted(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void send(Notification n) throws NotificationException {
      NotificationException f = failures.poll();
      if (f != null) {
        throw f;
      }
      delivered.add(n.kind() + " " + n.signature().id());
      received.add(n);
    }
  }

  private static final NotificationPolicy POLICY =
      new NotificationPolicy(Duration.ofMinutes(30), EnumSet.of(Confidence.HIGH, Confidence.MEDIUM),
          Duration.ofSeconds(10), Duration.ofMinutes(5), 4, Duration.ofMinutes(2));

  private NotificationDispatcher dispatcher(Notifier... notifiers) {
    return dispatcher(queue, "node", notifiers);
  }

  private NotificationDispatcher dispatcher(NotificationQueue q, String claimer, Notifier... notifiers) {
    return new NotificationDispatcher(List.of(notifiers), POLICY, q, clock, claimer);
  }

  @Test
  void confidencesAndCooldownDecideWhatGoesOut() {
    Scripted a = new Scripted("a");
    NotificationDispatcher d = dispatcher(a);
    assertThat(d.submit(new Notification.Diagnosed(Fixtures.signature(1, 3), Fixtures.diagnosis(Confidence.LOW))))
        .isEqualTo(NotificationDispatcher.Outcome.FILTERED);
    assertThat(d.submit(Fixtures.diagnosed(1))).isEqualTo(NotificationDispatcher.Outcome.SENT);
    clock.advance(Duration.ofMinutes(29));
    assertThat(d.submit(new Notification.Recurred(Fixtures.signature(1, 9), 3)))
        .isEqualTo(NotificationDispatcher.Outcome.COOLDOWN);
    assertThat(d.submit(Fixtures.diagnosed(2))).isEqualTo(NotificationDispatcher.Outcome.SENT);
    // resolutions and regressions are never held back
    assertThat(d.submit(new Notification.Resolved(Fixtures.signature(1, 9), "")))
        .isEqualTo(NotificationDispatcher.Outcome.SENT);
    clock.advance(Duration.ofMinutes(1));
    assertThat(d.submit(new Notification.Recurred(Fixtures.signature(2, 9), 17)))
        .isEqualTo(NotificationDispatcher.Outcome.COOLDOWN);
    clock.advance(Duration.ofMinutes(30));
    assertThat(d.submit(new Notification.Recurred(Fixtures.signature(1, 9), 3)))
        .isEqualTo(NotificationDispatcher.Outcome.SENT);
    assertThat(a.delivered).containsExactly("diagnosed 1", "diagnosed 2", "resolved 1", "recurred 1");
  }

  @Test
  void aFailureIsRetriedWithBackoffInOrderAndNeverLost() {
    Scripted good = new Scripted("good");
    Scripted flaky = new Scripted("flaky");
    NotificationDispatcher d = dispatcher(good, flaky);
    for (int i = 0; i < 3; i++) {
      flaky.failures.add(NotificationException.transientFailure("down " + i, null));
    }
    d.submit(Fixtures.diagnosed(1));
    d.submit(new Notification.Resolved(Fixtures.signature(1, 3), "")); // queued behind
    d.submit(Fixtures.diagnosed(2)); // another signature is not held back
    assertThat(good.delivered).containsExactly("diagnosed 1", "resolved 1", "diagnosed 2");
    assertThat(flaky.delivered).isEmpty(); // "down 1" failed signature 2's first try too
    assertThat(d.pending()).extracting(NotificationQueue.Pending::attempts).containsExactly(1, 0, 1);
    assertThat(d.pending().get(0).dueAt()).isEqualTo(clock.instant().plusSeconds(10));
    clock.advance(Duration.ofSeconds(10));
    assertThat(d.retryDue()).isEqualTo(1); // "down 2" for signature 1, then signature 2 goes
    assertThat(d.pending().get(0).attempts()).isEqualTo(2);
    assertThat(d.pending().get(0).dueAt()).isEqualTo(clock.instant().plusSeconds(20));
    assertThat(d.pending().get(0).lastError()).isEqualTo("down 2");
    clock.advance(Duration.ofSeconds(20));
    assertThat(d.retryDue()).isEqualTo(2);
    assertThat(flaky.delivered).containsExactly("diagnosed 2", "diagnosed 1", "resolved 1");
    assertThat(d.pending()).isEmpty();
  }

  @Test
  void permanentFailuresAndTooManyAttemptsAreParkedNotDropped() {
    Scripted s = new Scripted("s");
    NotificationDispatcher d = dispatcher(s);
    s.failures.add(NotificationException.permanent("422 validation failed"));
    d.submit(Fixtures.diagnosed(1));
    assertThat(d.pending()).singleElement().satisfies(p -> {
      assertThat(p.parked()).isTrue();
      assertThat(p.lastError()).isEqualTo("422 validation failed");
      assertThat(p.notification()).isEqualTo(Fixtures.diagnosed(1));
    });
    // a parked entry holds nothing back
    clock.advance(Duration.ofHours(1));
    d.submit(new Notification.Resolved(Fixtures.signature(1, 3), ""));
    assertThat(s.delivered).containsExactly("resolved 1");
    for (int i = 0; i < 4; i++) {
      s.failures.add(NotificationException.transientFailure("timeout", null));
    }
    d.submit(Fixtures.diagnosed(2));
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMinutes(5));
      d.retryDue();
    }
    assertThat(d.pending()).hasSize(2).allMatch(NotificationQueue.Pending::parked);
    assertThat(d.pending().get(1).attempts()).isEqualTo(4);
  }

  @Test
  void aServersRetryTimeWinsOverAShorterBackoff() {
    Scripted s = new Scripted("s");
    NotificationDispatcher d = dispatcher(s);
    s.failures.add(new NotificationException("rate limited", true, clock.instant().plusSeconds(60), null));
    d.submit(Fixtures.diagnosed(1));
    assertThat(d.pending().get(0).dueAt()).isEqualTo(clock.instant().plusSeconds(60));
  }

  @Test
  void backoffDoublesUpToTheMax() {
    NotificationPolicy p = new NotificationPolicy(Duration.ZERO, EnumSet.allOf(Confidence.class),
        Duration.ofSeconds(30), Duration.ofMinutes(2), 5);
    assertThat(List.of(p.retryDelay(1), p.retryDelay(2), p.retryDelay(3), p.retryDelay(4), p.retryDelay(40)))
        .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120),
            Duration.ofSeconds(120), Duration.ofSeconds(120));
  }

  @Test
  void aFailedNotificationSurvivesClosingTheStoreAndGoesOutOnTheNextRetryPass() {
    Scripted down = new Scripted("github_issue");
    down.failures.add(NotificationException.transientFailure("connect timed out", null));
    Notification.Diagnosed n = new Notification.Diagnosed(Fixtures.signature(7, 17),
        new dev.vigil.rounds.diagnosis.Diagnosis("cause\nover lines", List.of("a", "b \"quoted\""), "fix",
            Confidence.HIGH, "claude-sonnet-4-5", java.util.Optional.of(new java.math.BigDecimal("0.004230")),
            Duration.ofNanos(2_114_000_001L)));
    assertThat(dispatcher(down).submit(n)).isEqualTo(NotificationDispatcher.Outcome.SENT);
    queue.close(); // the node stops (or dies) with the notification undelivered

    Scripted up = new Scripted("github_issue");
    NotificationDispatcher restarted = dispatcher(openQueue(), "node-after-restart", up);
    assertThat(restarted.pending()).singleElement().satisfies(p -> {
      assertThat(p.attempts()).isEqualTo(1);
      assertThat(p.lastError()).isEqualTo("connect timed out");
      assertThat(p.claimedBy()).isEmpty();
    });
    assertThat(restarted.retryDue()).isZero(); // not due for 10 s
    clock.advance(Duration.ofSeconds(10));
    assertThat(restarted.retryDue()).isEqualTo(1);
    assertThat(up.received).containsExactly(n); // exactly as submitted: cost scale, nanoseconds
    assertThat(restarted.pending()).isEmpty();
  }

  @Test
  void theCooldownSurvivesReopeningTheStoreAndIsSharedWithOtherDispatchers() {
    Scripted a = new Scripted("stdout");
    assertThat(dispatcher(a).submit(Fixtures.diagnosed(1))).isEqualTo(NotificationDispatcher.Outcome.SENT);
    queue.close();
    clock.advance(Duration.ofMinutes(10));
    // a restarted node and a CLI run, each with a queue of its own on the file
    NotificationDispatcher node = dispatcher(openQueue(), "node-2", a);
    NotificationDispatcher cli = dispatcher(openQueue(), "cli", a);
    assertThat(node.submit(new Notification.Recurred(Fixtures.signature(1, 30), 17)))
        .isEqualTo(NotificationDispatcher.Outcome.COOLDOWN);
    assertThat(cli.submit(Fixtures.diagnosed(1))).isEqualTo(NotificationDispatcher.Outcome.COOLDOWN);
    clock.advance(Duration.ofMinutes(20));
    assertThat(cli.submit(new Notification.Recurred(Fixtures.signature(1, 30), 17)))
        .isEqualTo(NotificationDispatcher.Outcome.SENT);
    assertThat(node.submit(new Notification.Recurred(Fixtures.signature(1, 31), 30)))
        .isEqualTo(NotificationDispatcher.Outcome.COOLDOWN);
    assertThat(a.delivered).containsExactly("diagnosed 1", "recurred 1");
  }

  @Test
  void orderPerSignatureHoldsAcrossDispatchers() {
    Scripted nodeGithub = new Scripted("github_issue");
    Scripted cliGithub = new Scripted("github_issue");
    NotificationDispatcher node = dispatcher(queue, "node", nodeGithub);
    NotificationDispatcher cli = dispatcher(openQueue(), "cli", cliGithub);
    nodeGithub.failures.add(NotificationException.transientFailure("502 bad gateway", null));
    node.submit(Fixtures.diagnosed(42)); // the issue is not created yet
    // the CLI resolves the signature: closing must wait for the creation
    cli.submit(new Notification.Resolved(Fixtures.signature(42, 17), "fixed"));
    assertThat(cliGithub.delivered).isEmpty();
    assertThat(cli.pending()).extracting(p -> p.notification().kind() + " " + p.lastError())
        .containsExactly("diagnosed 502 bad gateway", "resolved queued behind an earlier notification");
    clock.advance(Duration.ofSeconds(10));
    // whichever sweeps first delivers both, in order
    assertThat(cli.retryDue()).isEqualTo(2);
    assertThat(cliGithub.delivered).containsExactly("diagnosed 42", "resolved 42");
    assertThat(node.retryDue()).isZero();
    assertThat(nodeGithub.delivered).isEmpty();
  }

  @Test
  void aClaimLeftByADeadDispatcherRunsOutAndAnotherDeliversTheEntry() {
    // a CLI run queued and claimed the notification, then was killed before it sent it
    queue.offer(new Notification.Resolved(Fixtures.signature(5, 9), ""), List.of("github_issue"), null,
        "cli-killed", clock.instant(), clock.instant().plus(POLICY.claimTimeout()));
    Scripted github = new Scripted("github_issue");
    NotificationDispatcher node = dispatcher(openQueue(), "node", github);
    assertThat(node.retryDue()).isZero();
    assertThat(node.pending()).singleElement().satisfies(p -> assertThat(p.claimedBy()).isEqualTo("cli-killed"));
    clock.advance(POLICY.claimTimeout());
    assertThat(node.retryDue()).isEqualTo(1);
    assertThat(github.delivered).containsExactly("resolved 5");
    assertThat(node.pending()).isEmpty();
  }

  @Test
  void twoDispatchersRetryingAtOnceDeliverEachEntryExactlyOnceInOrder() throws Exception {
    int signatures = 20;
    int perSignature = 15;
    Scripted down = new Scripted("hook");
    NotificationDispatcher seeder = dispatcher(down);
    for (int round = 0; round < perSignature; round++) {
      for (long sig = 1; sig <= signatures; sig++) {
        down.failures.add(NotificationException.transientFailure("down", null));
        // resolved notifications are never held back by the cooldown; the fix numbers them
        seeder.submit(new Notification.Resolved(Fixtures.signature(sig, 3), Integer.toString(round)));
      }
    }
    assertThat(seeder.pending()).hasSize(signatures * perSignature);
    clock.advance(Duration.ofMinutes(1));

    List<String> delivered = Collections.synchronizedList(new ArrayList<>());
    // each dispatcher's first send waits (bounded) until the other has sent one too, so the two
    // passes overlap for sure, each holding a claim while the other claims
    CountDownLatch bothSending = new CountDownLatch(2);
    ThreadLocal<Boolean> first = ThreadLocal.withInitial(() -> true);
    Notifier recording = new Notifier() {
      @Override public String name() { return "hook"; }
      @Override public void send(Notification n) {
        delivered.add(n.signature().id() + "/" + ((Notification.Resolved) n).fix());
        if (first.get()) {
          first.set(false);
          bothSending.countDown();
          try {
            bothSending.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
    NotificationDispatcher a = dispatcher(openQueue(), "node-a", recording);
    NotificationDispatcher b = dispatcher(openQueue(), "node-b", recording);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    int total = 0;
    int[] each = new int[2];
    try {
      // a pass can stop short of an entry unblocked behind its cursor: run passes until empty
      for (int pass = 0; pass < 50 && !a.pending().isEmpty(); pass++) {
        CountDownLatch go = new CountDownLatch(1);
        Future<Integer> fa = pool.submit(() -> { go.await(); return a.retryDue(); });
        Future<Integer> fb = pool.submit(() -> { go.await(); return b.retryDue(); });
        go.countDown();
        int da = fa.get(60, TimeUnit.SECONDS);
        int db = fb.get(60, TimeUnit.SECONDS);
        each[0] += da;
        each[1] += db;
        total += da + db;
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(a.pending()).isEmpty();
    assertThat(bothSending.getCount()).isZero();
    assertThat(each[0]).as("delivered by a").isPositive();
    assertThat(each[1]).as("delivered by b").isPositive();
    assertThat(total).isEqualTo(signatures * perSignature);
    assertThat(delivered).hasSize(signatures * perSignature).doesNotHaveDuplicates();
    Map<Long, List<Integer>> order = new TreeMap<>();
    for (String d : delivered) {
      String[] parts = d.split("/");
      order.computeIfAbsent(Long.parseLong(parts[0]), k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
    }
    List<Integer> expected = java.util.stream.IntStream.range(0, perSignature).boxed().toList();
    assertThat(order).hasSize(signatures).allSatisfy((sig, rounds) -> assertThat(rounds).isEqualTo(expected));
  }
}
