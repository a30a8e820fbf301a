package dev.vigil.rounds.notify;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Notifications that could not be delivered yet, so none is lost: the port the store can persist
 * ({@link InMemoryNotificationQueue} until then). Entries are kept in the order they were added.
 * Implementations are thread-safe.
 */
public interface NotificationQueue {

  /** Adds a notification for one notifier, due at {@code dueAt}; returns the entry. */
  Pending add(String notifier, Notification notification, Instant dueAt, String lastError);

  /** Replaces an entry (same id) with its new attempt count, due time, error or parked state. */
  void update(Pending pending);

  /** Removes a delivered entry. */
  void remove(long id);

  /** Every entry, oldest first, parked ones included. */
  List<Pending> all();

  /**
   * One undelivered notification for one notifier.
   *
   * @param id the queue's id, increasing in insertion order
   * @param notifier the notifier's name
   * @param notification what to deliver
   * @param attempts failed attempts so far
   * @param dueAt when to try next
   * @param lastError why the last attempt failed
   * @param parked true once retries stopped (a permanent failure or too many attempts): kept for
   *     an operator, never dropped
   */
  record Pending(
      long id, String notifier, Notification notification, int attempts, Instant dueAt,
      String lastError, boolean parked) {
    /** Checks the parts. */
    public Pending {
      Objects.requireNonNull(notifier, "notifier");
      Objects.requireNonNull(notification, "notification");
      Objects.requireNonNull(dueAt, "dueAt");
      Objects.requireNonNull(lastError, "lastError");
    }
  }
}
