package dev.vigil.launcher.cli;

import dev.vigil.rounds.diagnosis.Confidence;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import dev.vigil.rounds.notify.Notification;
import dev.vigil.rounds.notify.NotificationDispatcher;
import dev.vigil.rounds.notify.NotificationException;
import dev.vigil.rounds.notify.NotificationPolicy;
import dev.vigil.rounds.notify.NotificationQueue;
import dev.vigil.rounds.notify.Notifier;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Fills a real store's notification queue through a real dispatcher whose GitHub notifier fails
 * (GitHub itself cannot run here): a resolution of signature 1 refused for good (422, parked)
 * and a regression of signature 2 refused for now (503, waiting for its retry); and delivers what
 * is due with a dispatcher whose notifier works, as the node's next sweep would.
 */
public final class ParkedNotifications {
  /** What the refusing notifier says, as {@code GithubIssueNotifier} words a 422. */
  public static final String REFUSED =
      "GitHub POST /repos/acme/shop/issues answered 422: Validation Failed (Issue.title missing_field)";

  private static final NotificationPolicy POLICY = new NotificationPolicy(
      Duration.ofMinutes(30), EnumSet.of(Confidence.HIGH), Duration.ofMinutes(1), Duration.ofMinutes(5), 4);

  private ParkedNotifications() {}

  /** Signature {@code id}'s facts, headline {@code java.lang.IllegalStateException: cart is empty}. */
  public static SignatureFacts facts(long id) {
    return new SignatureFacts(id, "%04x".formatted(id) + "9f2c4e1a7b3d" + "0".repeat(48), "checkout",
        "java.lang.IllegalStateException", "cart is empty", List.of(), 3,
        Instant.parse("2026-03-14T09:26:53Z"), Instant.parse("2026-03-14T11:26:53Z"));
  }

  /** Queues the two entries in the store at {@code db}; returns the queue's entries (parked first). */
  public static List<NotificationQueue.Pending> parkOneDelayOne(Path db) {
    Notifier refusing = new Notifier() {
      @Override
      public String name() {
        return "github_issue";
      }

      @Override
      public void send(Notification n) throws NotificationException {
        if (n instanceof Notification.Resolved) {
          throw NotificationException.permanent(REFUSED);
        }
        throw NotificationException.transientFailure("GitHub GET /repos/acme/shop/issues answered 503", null);
      }
    };
    try (SqliteNotificationQueue q = SqliteNotificationQueue.open(db, SqliteSignatureStore.Options.defaults())) {
      NotificationDispatcher d = new NotificationDispatcher(List.of(refusing), POLICY, q, Clock.systemUTC(), "node-1-test");
      d.submit(new Notification.Resolved(facts(1), "v1.4.2"));
      d.submit(new Notification.Regressed(facts(2)));
      return q.all();
    }
  }

  /** One retry pass with a GitHub notifier that works; returns what it delivered ({@code KIND SIGNATURE}). */
  public static List<String> deliverDue(Path db) {
    List<String> delivered = new ArrayList<>();
    Notifier working = new Notifier() {
      @Override
      public String name() {
        return "github_issue";
      }

      @Override
      public void send(Notification n) {
        delivered.add(n.kind() + " " + n.signature().id());
      }
    };
    try (SqliteNotificationQueue q = SqliteNotificationQueue.open(db, SqliteSignatureStore.Options.defaults())) {
      new NotificationDispatcher(List.of(working), POLICY, q, Clock.systemUTC(), "node-2-test").retryDue();
    }
    return delivered;
  }
}
