package dev.vigil.rounds.notify;

import dev.vigil.rounds.diagnosis.Confidence;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which notifications go out and how failed ones are retried.
 *
 * @param cooldown after an alert about a signature, further diagnosed/recurred alerts about it are
 *     held back this long (resolved and regressed always go out)
 * @param confidences the diagnosis confidences that notify
 * @param retryBase the delay before the first retry; doubled each attempt
 * @param retryMax the longest delay between retries
 * @param maxAttempts after this many failed attempts an entry is parked (kept, not retried)
 * @param claimTimeout how long a dispatcher holds an entry it is sending; longer than any one
 *     delivery can take, since a claim that runs out lets another dispatcher send it too
 */
public record NotificationPolicy(
    Duration cooldown, Set<Confidence> confidences, Duration retryBase, Duration retryMax,
    int maxAttempts, Duration claimTimeout) {

  /** The claim timeout when none is given. */
  public static final Duration DEFAULT_CLAIM_TIMEOUT = Duration.ofMinutes(10);

  /** Checks the values and copies the set. */
  public NotificationPolicy {
    Objects.requireNonNull(cooldown, "cooldown");
    Objects.requireNonNull(retryBase, "retryBase");
    Objects.requireNonNull(retryMax, "retryMax");
    Objects.requireNonNull(claimTimeout, "claimTimeout");
    confidences = confidences.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(confidences));
    if (cooldown.isNegative() || retryBase.isNegative() || retryMax.compareTo(retryBase) < 0
        || maxAttempts < 1 || !claimTimeout.isPositive()) {
      throw new IllegalArgumentException("bad notification policy: " + cooldown + ", "
          + retryBase + ".." + retryMax + ", " + maxAttempts + " attempts, claims of "
          + claimTimeout);
    }
  }

  /** A policy with the {@link #DEFAULT_CLAIM_TIMEOUT}. */
  public NotificationPolicy(
      Duration cooldown, Set<Confidence> confidences, Duration retryBase, Duration retryMax,
      int maxAttempts) {
    this(cooldown, confidences, retryBase, retryMax, maxAttempts, DEFAULT_CLAIM_TIMEOUT);
  }

  /** The delay after the {@code attempts}-th failure: base, 2 base, 4 base... up to the max. */
  public Duration retryDelay(int attempts) {
    Duration d = retryBase;
    for (int i = 1; i < attempts && d.compareTo(retryMax) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(retryMax) > 0 ? retryMax : d;
  }
}
