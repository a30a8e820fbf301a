package dev.vigil.rounds.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rounds.diagnosis.Confidence;
import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import dev.vigil.rounds.notify.Notification;
import dev.vigil.rounds.notify.NotificationQueue;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue's storage on a real SQLite file: payloads, claims, unreadable rows. */
class SqliteNotificationQueueTest {
  static final Instant T0 = Instant.parse("2026-03-14T12:00:00.123456789Z");

  @TempDir Path dir;
  Path file;
  final List<SqliteNotificationQueue> opened = new ArrayList<>();

  @BeforeEach
  void setUp() {
    file = dir.resolve("rounds.db");
  }

  @AfterEach
  void tearDown() {
    opened.forEach(SqliteNotificationQueue::close);
  }

  SqliteNotificationQueue open() {
    SqliteNotificationQueue q = SqliteNotificationQueue.open(file, SqliteSignatureStore.Options.defaults());
    opened.add(q);
    return q;
  }

  static SignatureFacts facts(long id, List<String> frames, String errorType) {
    return new SignatureFacts(id, "9f2c4e1a7b3d" + "0".repeat(52), "checkout", errorType,
        "cart of <NUM> items is \"empty\"\n\tunicode: ü ✓", frames, 17,
        Instant.parse("2026-03-14T09:26:53.000000001Z"), T0);
  }

  @Test
  void everyKindRoundTripsExactly() {
    List<Notification> all = List.of(
        new Notification.Diagnosed(facts(1, List.of("a::b", "c::d"), "java.lang.IllegalStateException"),
            new Diagnosis("root\ncause", List.of("e1", "e2 with \"quotes\""), "fix it", Confidence.MEDIUM,
                "claude-sonnet-4-5", Optional.of(new BigDecimal("0.004230")), Duration.ofNanos(2_114_000_007L))),
        new Notification.Diagnosed(facts(2, List.of(), ""),
            new Diagnosis("", List.of(), "", Confidence.LOW, Diagnosis.NO_MODEL, Optional.empty(), Duration.ZERO)),
        new Notification.Recurred(facts(3, List.of("x::y"), "E"), 9),
        new Notification.Resolved(facts(4, List.of(), "E"), "validate the cart (#981)"),
        new Notification.Resolved(facts(5, List.of(), "E"), ""),
        new Notification.Regressed(facts(6, List.of(), "E")));
    SqliteNotificationQueue q = open();
    for (Notification n : all) {
      q.offer(n, List.of("stdout"), null, "w", T0, T0.plusSeconds(60));
    }
    q.close();
    assertThat(open().all()).extracting(NotificationQueue.Pending::notification).containsExactlyElementsOf(all);
  }

  @Test
  void aPayloadThisVersionCannotReadIsParkedWithWhyAndHoldsNothingBack() throws Exception {
    SqliteNotificationQueue q = open();
    Notification.Resolved later = new Notification.Resolved(facts(1, List.of(), "E"), "");
    q.offer(later, List.of("github_issue"), null, "w", T0, T0); // a claim that ran out at once
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        PreparedStatement ps = c.prepareStatement(
            "INSERT INTO notification_queue (id, notifier, signature_id, kind, payload, due_at, created_at)"
                + " VALUES (?, 'github_issue', 1, ?, ?, 0, 0)")) {
      // as a newer vigil would have written them, before the entry above
      ps.setLong(1, -2);
      ps.setString(2, "paged");
      ps.setString(3, "{\"version\":2,\"kind\":\"paged\"}");
      ps.executeUpdate();
      ps.setLong(1, -1);
      ps.setString(2, "paged");
      ps.setString(3, "{\"version\":1,\"kind\":\"paged\"}");
      ps.executeUpdate();
    }
    assertThat(q.all()).hasSize(1); // the unreadable ones are skipped (and logged), not fatal
    Optional<NotificationQueue.Pending> claimed = q.claimNext(List.of("github_issue"), "node", Long.MIN_VALUE, T0, T0.plusSeconds(60));
    assertThat(claimed).get().extracting(NotificationQueue.Pending::notification).isEqualTo(later);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        var rs = c.createStatement().executeQuery("SELECT id, parked, last_error FROM notification_queue ORDER BY id")) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getLong(1) + " " + rs.getInt(2) + " " + rs.getString(3));
      }
      assertThat(rows).containsExactly(
          "-2 1 cannot read this queued notification: payload version 2 is newer than the version 1 this vigil reads",
          "-1 1 cannot read this queued notification: unknown notification kind \"paged\""
              + " (this vigil knows diagnosed, recurred, resolved, regressed)",
          claimed.get().id() + " 0 ");
    }
  }

  @Test
  void aClaimerThatLostItsClaimCannotReportOnTheEntry() {
    SqliteNotificationQueue a = open();
    SqliteNotificationQueue b = open();
    Notification n = new Notification.Regressed(facts(3, List.of(), "E"));
    NotificationQueue.Pending p = a.offer(n, List.of("stdout"), null, "a", T0, T0.plusSeconds(60)).entries().get(0);
    assertThat(p.claimedBy()).isEqualTo("a");
    assertThat(b.claimNext(List.of("stdout"), "b", 0, T0.plusSeconds(59), T0.plusSeconds(120))).isEmpty();
    NotificationQueue.Pending taken =
        b.claimNext(List.of("stdout"), "b", 0, T0.plusSeconds(60), T0.plusSeconds(120)).orElseThrow();
    assertThat(taken.id()).isEqualTo(p.id());
    assertThat(taken.claimedBy()).isEqualTo("b");
    // a was only slow, not dead: its late reports change nothing
    assertThat(a.failed(p.id(), "a", 1, T0.plusSeconds(90), "timeout", false)).isFalse();
    assertThat(a.delivered(p.id(), "a")).isFalse();
    assertThat(b.all()).singleElement().satisfies(e -> {
      assertThat(e.claimedBy()).isEqualTo("b");
      assertThat(e.attempts()).isZero();
    });
    assertThat(b.delivered(p.id(), "b")).isTrue();
    assertThat(a.all()).isEmpty();
  }

  @Test
  void onlyTheNotifiersADispatcherHasAreClaimed() {
    SqliteNotificationQueue q = open();
    q.offer(new Notification.Regressed(facts(3, List.of(), "E")), List.of("github_issue", "stdout"), null,
        "node", T0, T0);
    assertThat(q.claimNext(List.of("stdout"), "cli", 0, T0, T0.plusSeconds(60)))
        .get().extracting(NotificationQueue.Pending::notifier).isEqualTo("stdout");
    assertThat(q.claimNext(List.of("stdout"), "cli", 0, T0, T0.plusSeconds(60))).isEmpty();
  }

  @Test
  void countsWaitingAndParkedEntries() {
    SqliteNotificationQueue q = open();
    assertThat(q.counts()).isEqualTo(new SqliteNotificationQueue.Counts(0, 0));
    List<NotificationQueue.Pending> added = q.offer(new Notification.Regressed(facts(3, List.of(), "E")),
        List.of("github_issue", "stdout", "markdown"), null, "node", T0, T0.plusSeconds(60)).entries();
    assertThat(q.failed(added.get(0).id(), "node", 1, T0, "422 Validation Failed", true)).isTrue();
    assertThat(q.delivered(added.get(1).id(), "node")).isTrue();
    assertThat(q.counts()).isEqualTo(new SqliteNotificationQueue.Counts(1, 1));
  }
}
