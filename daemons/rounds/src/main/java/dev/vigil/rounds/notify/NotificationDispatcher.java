package dev.vigil.rounds.notify;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each notification to every configured notifier, applying the policy (which confidences
 * notify, the per-signature cooldown), through the durable {@link NotificationQueue}: each
 * notification is written to the queue before its first attempt and removed once delivered, and
 * what failed is retried by {@link #retryDue()} with exponential backoff (later when a server asks
 * for it), never lost; a permanent failure or one past the attempt limit is parked in the queue
 * for an operator.
 *
 * <p>Several dispatchers may share one queue (the node's daemon, a CLI one-shot, other nodes):
 * the cooldown is checked and recorded in the queue, in the same step that adds the entries, so
 * a restart or a CLI run does not alert again inside it; an entry is sent only by the dispatcher
 * that claimed it. Per notifier and signature, notifications are delivered in order whichever
 * dispatcher took them: while one waits in the queue (or is being sent by another dispatcher),
 * later ones for the same notifier and signature wait behind it (a GitHub issue must be created
 * before it can be closed); a parked entry holds nothing back. A dispatcher retries only the
 * entries of the notifiers it has (a CLI without {@code GITHUB_TOKEN} leaves GitHub's to the
 * node). Thread-safe: one submission or retry pass runs at a time, blocking on the notifiers' I/O
 * and the store.
 */
public final class NotificationDispatcher {
  private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);

  /** What became of one submitted notification. */
  public enum Outcome {
    /** Delivered to every notifier (or queued for those that failed or must wait). */
    SENT,
    /** Held back by the cooldown. */
    COOLDOWN,
    /** The diagnosis' confidence is not one that notifies. */
    FILTERED
  }

  private final List<Notifier> notifiers;
  private final NotificationPolicy policy;
  private final NotificationQueue queue;
  private final Clock clock;
  private final String claimer;

  /**
   * A dispatcher over the given notifiers.
   *
   * @param claimer who this dispatcher claims queue entries as: unique among the dispatchers
   *     sharing the queue (e.g. {@code node-<pid>-<random>})
   */
  public NotificationDispatcher(
      List<Notifier> notifiers, NotificationPolicy policy, NotificationQueue queue, Clock clock,
      String claimer) {
    this.notifiers = List.copyOf(notifiers);
    this.policy = Objects.requireNonNull(policy, "policy");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.claimer = Objects.requireNonNull(claimer, "claimer");
    if (notifierNames().size() != Set.copyOf(notifierNames()).size()) {
      throw new IllegalArgumentException("two notifiers share a name: " + notifierNames());
    }
  }

  /** The notifiers' names, in order. */
  public List<String> notifierNames() {
    return notifiers.stream().map(Notifier::name).toList();
  }

  /** Who this dispatcher claims queue entries as. */
  public String claimer() {
    return claimer;
  }

  /** The policy it applies. */
  public NotificationPolicy policy() {
    return policy;
  }

  /**
   * Applies the policy, queues the notification for every notifier and sends it now to each
   * whose earlier notifications about the signature are all out (the rest wait for a retry pass).
   *
   * @throws dev.vigil.rounds.StoreException if the queue cannot be written (nothing was sent)
   */
  public synchronized Outcome submit(Notification n) {
    Instant now = clock.instant();
    if (n instanceof Notification.Diagnosed d
        && !policy.confidences().contains(d.diagnosis().confidence())) {
      return Outcome.FILTERED;
    }
    boolean alert = n instanceof Notification.Diagnosed || n instanceof Notification.Recurred;
    NotificationQueue.Offer offer = queue.offer(
        n, notifierNames(), alert ? policy.cooldown() : null, claimer, now, claimUntil(now));
    if (offer.cooldown()) {
      return Outcome.COOLDOWN;
    }
    for (NotificationQueue.Pending p : offer.entries()) {
      if (p.claimedBy(claimer)) {
        deliver(p, byName(p.notifier()));
      }
    }
    return Outcome.SENT;
  }

  /**
   * Delivers every queued entry that is due, in order, claiming each first; a notifier and
   * signature stop at their first failure. Returns how many were delivered.
   */
  public synchronized int retryDue() {
    int delivered = 0;
    long after = 0;
    // ids only grow: an entry unblocked by one delivered in this pass has a higher id, and one
    // that failed in this pass is not picked again (so a zero backoff cannot loop). The time is
    // read for each claim, so a long pass does not take claims that have already run out.
    while (true) {
      Instant now = clock.instant();
      Optional<NotificationQueue.Pending> next =
          queue.claimNext(notifierNames(), claimer, after, now, claimUntil(now));
      if (next.isEmpty()) {
        return delivered;
      }
      NotificationQueue.Pending p = next.get();
      after = p.id();
      if (deliver(p, byName(p.notifier()))) {
        delivered++;
      }
    }
  }

  /**
   * Signatures to tell about again now: diagnosed, their count grown since their last alert, and
   * that alert's cooldown over. At most {@code limit}, the longest waiting first.
   */
  public List<NotificationQueue.Recurrence> recurrencesDue(int limit) {
    return queue.recurrences(clock.instant().minus(policy.cooldown()), limit);
  }

  /** The queue's entries, parked ones included. */
  public List<NotificationQueue.Pending> pending() {
    return queue.all();
  }

  private Instant claimUntil(Instant now) {
    return now.plus(policy.claimTimeout());
  }

  /** Sends a claimed entry and records the outcome; true if delivered. */
  private boolean deliver(NotificationQueue.Pending p, Notifier notifier) {
    try {
      notifier.send(p.notification());
    } catch (NotificationException e) {
      failed(p, e);
      return false;
    } catch (RuntimeException e) {
      failed(p, NotificationException.transientFailure(String.valueOf(e), e));
      return false;
    }
    if (!queue.delivered(p.id(), claimer)) {
      log.warn("notification {} of signature {} to {} was delivered after its claim ran out;"
              + " another dispatcher may deliver it again", p.notification().kind(),
          p.notification().signature().id(), p.notifier());
    }
    return true;
  }

  private void failed(NotificationQueue.Pending p, NotificationException e) {
    Instant now = clock.instant(); // the backoff runs from the failure, after a send that may be slow
    int attempts = p.attempts() + 1;
    boolean park = !e.retryable() || attempts >= policy.maxAttempts();
    Instant due = now.plus(policy.retryDelay(attempts));
    if (e.retryAt().isPresent() && e.retryAt().get().isAfter(due)) {
      due = e.retryAt().get();
    }
    if (!queue.failed(p.id(), claimer, attempts, due, e.getMessage(), park)) {
      log.warn("notification {} of signature {} to {} failed after its claim ran out: {}",
          p.notification().kind(), p.notification().signature().id(), p.notifier(), e.getMessage());
    } else if (park) {
      log.error("notification {} of signature {} to {} parked after {} attempt(s): {}",
          p.notification().kind(), p.notification().signature().id(), p.notifier(), attempts,
          e.getMessage());
    } else {
      log.warn("notification {} of signature {} to {} failed (attempt {}), retry at {}: {}",
          p.notification().kind(), p.notification().signature().id(), p.notifier(), attempts, due,
          e.getMessage());
    }
  }

  private Notifier byName(String name) {
    return notifiers.stream().filter(n -> n.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalStateException("claimed an entry for notifier " + name
            + ", which this dispatcher does not have"));
  }
}
