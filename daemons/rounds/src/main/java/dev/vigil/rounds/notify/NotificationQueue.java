package dev.vigil.rounds.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The dispatcher's durable state, shared by every dispatcher on one store (a node's daemon, a CLI
 * one-shot, other nodes): the notifications not delivered yet and the time of each signature's
 * last alert. The store implements it ({@code dev.vigil.rounds.store.SqliteNotificationQueue}).
 *
 * <p>Every notification is written here before its first attempt, so a crash mid-send loses
 * nothing. Per notifier and signature, entries go out in the order they were offered: an entry
 * can be claimed only when no earlier unparked entry of its notifier and signature remains (a
 * GitHub issue must be created before it is closed), whichever dispatcher offered it. A claim
 * belongs to one dispatcher until it reports the entry delivered or failed, or until the claim's
 * time runs out (its holder died): two dispatchers never hold the same entry at once.
 * Implementations are thread-safe; every method may block on the store.
 */
public interface NotificationQueue {

  /**
   * Adds one entry per notifier for {@code n}, due at {@code now}, in one step. When {@code
   * alertCooldown} is given ({@code n} is an alert), first checks the signature's last alert: if
   * it was less than the cooldown ago nothing is added ({@link Offer#cooldown}); otherwise {@code
   * now} and the signature's count are recorded as its last alert. Each new entry first in line
   * for its notifier and signature is claimed by {@code claimer} until {@code claimUntil}.
   */
  Offer offer(
      Notification n, List<String> notifiers, Duration alertCooldown, String claimer, Instant now,
      Instant claimUntil);

  /**
   * Claims the oldest entry with an id above {@code afterId} that is due, unparked, unclaimed (or
   * whose claim ran out), first in line for its notifier and signature (and no later entry of
   * theirs being sent: one an operator retried waits for it), and for one of {@code
   * notifiers}. An entry whose payload this version cannot read is parked on the way, with why.
   */
  Optional<Pending> claimNext(
      Collection<String> notifiers, String claimer, long afterId, Instant now, Instant claimUntil);

  /** Removes a delivered entry if {@code claimer} still holds it; false if it lost the claim. */
  boolean delivered(long id, String claimer);

  /**
   * Records a failed attempt of an entry {@code claimer} holds and gives the claim up: the new
   * attempt count, due time and error, parked or not. False if it lost the claim.
   */
  boolean failed(long id, String claimer, int attempts, Instant dueAt, String error, boolean parked);

  /**
   * Diagnosed signatures (not investigating, muted or resolved) whose occurrence count grew since
   * their last alert, which was at or before {@code alertedBefore}: the longest waiting first, at
   * most {@code limit}.
   */
  List<Recurrence> recurrences(Instant alertedBefore, int limit);

  /** Every entry, oldest first, parked and claimed ones included. */
  List<Pending> all();

  /**
   * Puts parked entries back in line for the next retry pass (an operator's retry), in one step:
   * each becomes unparked, with no attempt, due at {@code now} and unclaimed, keeping its id, so
   * per notifier and signature it still goes out before the later entries. All or nothing: if
   * any of {@code ids} is not in the queue or not parked, nothing changes and the answer names
   * them. Each entry whose signature is still in the store is audited for it (its status
   * unchanged) as {@code actor}, with {@code retry notification ID (KIND to NOTIFIER): REASON}.
   *
   * @param ids the entries, or empty for every parked entry
   * @param reason why; may be blank
   */
  Retried retryParked(Collection<Long> ids, String actor, String reason, Instant now);

  /**
   * What {@link #retryParked} did.
   *
   * @param entries the entries put back in line, as they are now, oldest first (empty if refused)
   * @param missing the ids asked for that are not in the queue
   * @param notParked the ids asked for that are in the queue but not parked
   */
  record Retried(List<Pending> entries, List<Long> missing, List<Long> notParked) {
    /** Copies the lists. */
    public Retried {
      entries = List.copyOf(entries);
      missing = List.copyOf(missing);
      notParked = List.copyOf(notParked);
    }

    /** True when some ids were missing or not parked, so nothing was changed. */
    public boolean refused() {
      return !missing.isEmpty() || !notParked.isEmpty();
    }
  }

  /**
   * What {@link #offer} did.
   *
   * @param cooldown true if the signature's cooldown held the alert back (nothing was added)
   * @param entries the entries added, one per notifier, in the notifiers' order
   */
  record Offer(boolean cooldown, List<Pending> entries) {
    /** Copies the entries. */
    public Offer {
      entries = List.copyOf(entries);
    }
  }

  /**
   * A signature to tell about again.
   *
   * @param signatureId the signature
   * @param notifiedCount its occurrence count at its last alert
   */
  record Recurrence(long signatureId, long notifiedCount) {}

  /**
   * One undelivered notification for one notifier.
   *
   * @param id the queue's id, increasing in insertion order, never reused
   * @param notifier the notifier's name
   * @param notification what to deliver
   * @param attempts failed attempts so far
   * @param dueAt when to try next
   * @param lastError why the last attempt failed, or why it waits
   * @param parked true once retries stopped (a permanent failure or too many attempts): kept for
   *     an operator, never dropped
   * @param claimedBy the dispatcher sending it now, or empty
   * @param claimedUntil when that claim runs out, or null when unclaimed
   */
  record Pending(
      long id, String notifier, Notification notification, int attempts, Instant dueAt,
      String lastError, boolean parked, String claimedBy, Instant claimedUntil) {
    /** Checks the parts. */
    public Pending {
      Objects.requireNonNull(notifier, "notifier");
      Objects.requireNonNull(notification, "notification");
      Objects.requireNonNull(dueAt, "dueAt");
      Objects.requireNonNull(lastError, "lastError");
      Objects.requireNonNull(claimedBy, "claimedBy");
    }

    /** True if {@code claimer} holds it. */
    public boolean claimedBy(String claimer) {
      return claimedBy.equals(claimer);
    }
  }
}
