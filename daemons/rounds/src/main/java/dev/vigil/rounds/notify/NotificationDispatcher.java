package dev.vigil.rounds.notify;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each notification to every configured notifier, applying the policy (which confidences
 * notify, the per-signature cooldown), and keeps what failed in the {@link NotificationQueue}
 * until {@link #retryDue()} delivers it: a failed notification is retried with exponential
 * backoff (later when a server asks for it) and never lost; a permanent failure or one past the
 * attempt limit is parked in the queue for an operator.
 *
 * <p>Per notifier and signature, notifications are delivered in order: while one waits in the
 * queue, later ones for the same notifier and signature queue behind it (a GitHub issue must be
 * created before it can be closed); a parked entry holds nothing back. Thread-safe: one
 * submission or retry pass runs at a time, blocking on the notifiers' I/O.
 */
public final class NotificationDispatcher {
  private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);

  /** What became of one submitted notification. */
  public enum Outcome {
    /** Delivered to every notifier (or queued for those that failed). */
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
  private final Map<Long, Instant> lastAlert = new HashMap<>();

  /** A dispatcher over the given notifiers. */
  public NotificationDispatcher(
      List<Notifier> notifiers, NotificationPolicy policy, NotificationQueue queue, Clock clock) {
    this.notifiers = List.copyOf(notifiers);
    this.policy = Objects.requireNonNull(policy, "policy");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The notifiers' names, in order. */
  public List<String> notifierNames() {
    return notifiers.stream().map(Notifier::name).toList();
  }

  /** Applies the policy and sends the notification to every notifier now (or queues it). */
  public synchronized Outcome submit(Notification n) {
    Instant now = clock.instant();
    if (n instanceof Notification.Diagnosed d
        && !policy.confidences().contains(d.diagnosis().confidence())) {
      return Outcome.FILTERED;
    }
    boolean alert = n instanceof Notification.Diagnosed || n instanceof Notification.Recurred;
    Instant last = lastAlert.get(n.signature().id());
    if (alert && last != null && now.isBefore(last.plus(policy.cooldown()))) {
      return Outcome.COOLDOWN;
    }
    lastAlert.put(n.signature().id(), now);
    for (Notifier notifier : notifiers) {
      if (waiting(notifier.name(), n.signature().id())) {
        queue.add(notifier.name(), n, now, "queued behind an earlier notification");
        continue;
      }
      try {
        notifier.send(n);
      } catch (NotificationException e) {
        NotificationQueue.Pending p = queue.add(notifier.name(), n, now, e.getMessage());
        failed(p, e, now);
      } catch (RuntimeException e) {
        NotificationQueue.Pending p = queue.add(notifier.name(), n, now, String.valueOf(e));
        failed(p, NotificationException.transientFailure(String.valueOf(e), e), now);
      }
    }
    return Outcome.SENT;
  }

  /**
   * Retries every queued notification that is due, in order; stops for a notifier and signature
   * at its first failure. Returns how many were delivered.
   */
  public synchronized int retryDue() {
    Instant now = clock.instant();
    Set<String> blocked = new HashSet<>();
    int delivered = 0;
    for (NotificationQueue.Pending p : queue.all()) {
      String key = p.notifier() + "/" + p.notification().signature().id();
      if (p.parked() || blocked.contains(key)) {
        continue; // a parked entry was given up on: it does not hold back later ones
      }
      if (p.dueAt().isAfter(now)) {
        blocked.add(key);
        continue;
      }
      Notifier notifier = byName(p.notifier());
      if (notifier == null) {
        queue.update(withError(p, "no notifier named " + p.notifier() + " is configured", true, now));
        blocked.add(key);
        continue;
      }
      try {
        notifier.send(p.notification());
        queue.remove(p.id());
        delivered++;
      } catch (NotificationException e) {
        failed(p, e, now);
        blocked.add(key);
      } catch (RuntimeException e) {
        failed(p, NotificationException.transientFailure(String.valueOf(e), e), now);
        blocked.add(key);
      }
    }
    return delivered;
  }

  /** The queue's entries, parked ones included. */
  public List<NotificationQueue.Pending> pending() {
    return queue.all();
  }

  private void failed(NotificationQueue.Pending p, NotificationException e, Instant now) {
    int attempts = p.attempts() + 1;
    boolean park = !e.retryable() || attempts >= policy.maxAttempts();
    Instant due = now.plus(policy.retryDelay(attempts));
    if (e.retryAt().isPresent() && e.retryAt().get().isAfter(due)) {
      due = e.retryAt().get();
    }
    queue.update(new NotificationQueue.Pending(
        p.id(), p.notifier(), p.notification(), attempts, due, e.getMessage(), park));
    if (park) {
      log.error("notification {} of signature {} to {} parked after {} attempt(s): {}",
          p.notification().kind(), p.notification().signature().id(), p.notifier(), attempts,
          e.getMessage());
    } else {
      log.warn("notification {} of signature {} to {} failed (attempt {}), retry at {}: {}",
          p.notification().kind(), p.notification().signature().id(), p.notifier(), attempts, due,
          e.getMessage());
    }
  }

  private static NotificationQueue.Pending withError(
      NotificationQueue.Pending p, String error, boolean park, Instant now) {
    return new NotificationQueue.Pending(
        p.id(), p.notifier(), p.notification(), p.attempts() + 1, now, error, park);
  }

  private boolean waiting(String notifier, long signatureId) {
    return queue.all().stream()
        .anyMatch(p -> !p.parked() && p.notifier().equals(notifier)
            && p.notification().signature().id() == signatureId);
  }

  private Notifier byName(String name) {
    return notifiers.stream().filter(n -> n.name().equals(name)).findFirst().orElse(null);
  }
}
