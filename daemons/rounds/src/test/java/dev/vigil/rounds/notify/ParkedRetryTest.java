package dev.vigil.rounds.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rounds.AuditEntry;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Fingerprinting;
import dev.vigil.rounds.MutableClock;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore.GroupedEvent;
import dev.vigil.rounds.diagnosis.Confidence;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's retry of parked notifications ({@link NotificationQueue#retryParked}) on a real
 * SQLite store: entries parked by the GitHub notifier against the fake GitHub answering 422, put
 * back in line, audited on their signature, then delivered in order by a dispatcher's retry pass.
 */
class ParkedRetryTest {
  private static final NotificationPolicy POLICY =
      new NotificationPolicy(Duration.ofMinutes(30), EnumSet.of(Confidence.HIGH, Confidence.MEDIUM),
          Duration.ofSeconds(10), Duration.ofMinutes(5), 4);
  private static final String VALIDATION_FAILED =
      "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Issue\",\"field\":\"title\","
          + "\"code\":\"missing_field\"}],\"status\":\"422\"}";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T12:00:00Z"));
  @TempDir Path dir;
  private FakeGithub github;
  private SqliteSignatureStore signatures;
  private SqliteNotificationQueue queue;
  private NotificationDispatcher node;

  @BeforeEach
  void start() throws Exception {
    github = new FakeGithub();
    Path db = dir.resolve("rounds.db");
    signatures = SqliteSignatureStore.open(db, SqliteSignatureStore.Options.defaults());
    // signatures 1 and 2 in the store, so that a retry has an audit trail to go to
    signatures.ingest(List.of(event("one"), event("two")), clock.instant(), null);
    queue = SqliteNotificationQueue.open(db, SqliteSignatureStore.Options.defaults());
    GithubIssueNotifier notifier = new GithubIssueNotifier(
        new GithubIssueNotifier.Settings(github.url(), "ghp_secret", "acme", "shop", List.of("auto-diagnosis"),
            Duration.ofSeconds(5)),
        HttpClient.newHttpClient(), clock);
    node = new NotificationDispatcher(List.of(notifier), POLICY, queue, clock, "node");
  }

  @AfterEach
  void stop() {
    queue.close();
    signatures.close();
    github.close();
  }

  private static GroupedEvent event(String name) {
    return new GroupedEvent(
        new ErrorEvent("otlp", "checkout", "E", name, "", Instant.parse("2026-03-14T11:00:00Z"), "t-" + name,
            "00f067aa0ba902b7", Severity.ERROR, null),
        new Fingerprinting.Result("fp-" + name, 2, name, List.of()));
  }

  /** Signature 1: its diagnosis (issue creation refused) and its resolution parked; signature 2's waiting. */
  private void parkTwoAndDelayOne() {
    github.failNext(200, Map.of(), "[]");
    github.failNext(422, Map.of(), VALIDATION_FAILED);
    node.submit(Fixtures.diagnosed(1));
    github.failNext(422, Map.of(), VALIDATION_FAILED);
    node.submit(new Notification.Resolved(Fixtures.signature(1, 17), "v1.4.2"));
    github.failNext(503, Map.of(), "{\"message\":\"unavailable\"}");
    node.submit(Fixtures.diagnosed(2));
  }

  @Test
  void parkedEntriesGoBackInLineAuditedAndAreDeliveredInOrderByTheNextRetryPass() {
    parkTwoAndDelayOne();
    assertThat(queue.all()).extracting(p -> p.notification().kind() + " " + p.notification().signature().id()
            + " parked=" + p.parked() + " attempts=" + p.attempts())
        .containsExactly("diagnosed 1 parked=true attempts=1", "resolved 1 parked=true attempts=1",
            "diagnosed 2 parked=false attempts=1");
    assertThat(queue.all().get(0).lastError()).contains("422");
    assertThat(node.retryDue()).isZero(); // parked ones are never retried, 2 is not due yet
    int requestsBefore = github.requestLines().size();

    clock.advance(Duration.ofSeconds(1));
    NotificationQueue.Retried r = queue.retryParked(List.of(), "cli:alice", "token fixed", clock.instant());
    assertThat(r.refused()).isFalse();
    assertThat(r.entries()).extracting(p -> p.notification().kind() + " " + p.parked() + " " + p.attempts()
            + " " + p.dueAt() + " [" + p.claimedBy() + "]")
        .containsExactly("diagnosed false 0 2026-03-14T12:00:01Z []", "resolved false 0 2026-03-14T12:00:01Z []");
    assertThat(github.requestLines()).hasSize(requestsBefore); // a retry only queues, it sends nothing
    assertThat(signatures.audit(1)).last().satisfies(a -> {
      assertThat(a.actor()).isEqualTo("cli:alice");
      assertThat(a.from()).isEqualTo(a.to());
      assertThat(a.reason()).isEqualTo("retry notification " + r.entries().get(1).id() + " (resolved to github_issue): token fixed");
    });
    assertThat(signatures.audit(1)).extracting(AuditEntry::reason)
        .contains("retry notification " + r.entries().get(0).id() + " (diagnosed to github_issue): token fixed");

    assertThat(node.retryDue()).isEqualTo(2);
    // in order: the issue was created, then commented on and closed
    assertThat(github.issueCount()).isEqualTo(1);
    assertThat(github.issue(1).get("state").asText()).isEqualTo("closed");
    assertThat(github.comments(1)).containsExactly("Resolved: v1.4.2");
    assertThat(queue.all()).extracting(p -> p.notification().kind() + " " + p.notification().signature().id())
        .containsExactly("diagnosed 2");
  }

  @Test
  void idsMissingOrNotParkedAreNamedAndNothingChanges() {
    parkTwoAndDelayOne();
    List<NotificationQueue.Pending> before = queue.all();
    long parked = before.get(0).id();
    long waiting = before.get(2).id();
    NotificationQueue.Retried r = queue.retryParked(List.of(99L, waiting, parked), "api:ops", "", clock.instant());
    assertThat(r.refused()).isTrue();
    assertThat(r.missing()).containsExactly(99L);
    assertThat(r.notParked()).containsExactly(waiting);
    assertThat(r.entries()).isEmpty();
    assertThat(queue.all()).isEqualTo(before);
    assertThat(signatures.audit(1)).noneMatch(a -> a.reason().startsWith("retry notification"));

    NotificationQueue.Retried one = queue.retryParked(List.of(parked), "api:ops", " ", clock.instant());
    assertThat(one.entries()).extracting(NotificationQueue.Pending::id).containsExactly(parked);
    assertThat(signatures.audit(1)).last().extracting(AuditEntry::actor, AuditEntry::reason, AuditEntry::to)
        .containsExactly("api:ops", "retry notification " + parked + " (diagnosed to github_issue)", SignatureStatus.NEW);
    // retried once, no longer parked: a second retry is refused
    assertThat(queue.retryParked(List.of(parked), "api:ops", "", clock.instant()).notParked()).containsExactly(parked);
  }

  @Test
  void aRetryForASignatureNoLongerInTheStoreStillQueuesItWithoutAnAuditEntry() {
    github.failNext(200, Map.of(), "[]");
    github.failNext(422, Map.of(), VALIDATION_FAILED);
    node.submit(Fixtures.diagnosed(7)); // no signature 7 in the store (pruned)
    NotificationQueue.Retried r = queue.retryParked(List.of(), "cli:bob", "", clock.instant());
    assertThat(r.entries()).hasSize(1);
    assertThat(node.retryDue()).isEqualTo(1);
    assertThat(github.issueCount()).isEqualTo(1);
  }

  @Test
  void aRetriedEntryWaitsForALaterOneOfItsSignatureThatIsBeingSent() {
    github.failNext(200, Map.of(), "[]");
    github.failNext(422, Map.of(), VALIDATION_FAILED);
    node.submit(Fixtures.diagnosed(1));
    long parked = queue.all().get(0).id();
    // a later entry of signature 1, claimed by another dispatcher that is sending it now
    NotificationQueue.Offer later = queue.offer(new Notification.Resolved(Fixtures.signature(1, 17), ""),
        List.of("github_issue"), null, "other-node", clock.instant(), clock.instant().plusSeconds(60));
    assertThat(later.entries().get(0).claimedBy("other-node")).isTrue();
    queue.retryParked(List.of(parked), "cli:alice", "", clock.instant());

    assertThat(node.retryDue()).isZero();
    assertThat(queue.all()).extracting(NotificationQueue.Pending::id).contains(parked);
    assertThat(queue.delivered(later.entries().get(0).id(), "other-node")).isTrue();
    assertThat(node.retryDue()).isEqualTo(1);
    assertThat(queue.all()).isEmpty();
  }

  @Test
  void theReadOnlyQueueListsWhatTheWritableOneHas() {
    parkTwoAndDelayOne();
    try (SqliteNotificationQueue ro = SqliteNotificationQueue.openReadOnly(dir.resolve("rounds.db"), Duration.ofSeconds(5))) {
      assertThat(ro.all()).isEqualTo(queue.all());
      assertThat(ro.counts()).isEqualTo(new SqliteNotificationQueue.Counts(1, 2));
    }
  }
}
