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
 */
public record NotificationPolicy(
    Duration cooldown, Set<Confidence> confidences, Duration retryBase, Duration retryMax,
    int maxAttempts) {

  /** Checks the values and copies the set. */
  public NotificationPolicy {
    Objects.requireNonNull(cooldown, "cooldown");
    Objects.requireNonNull(retryBase, "retryBase");
    Objects.requireNonNull(retryMax, "retryMax");
    confidences = confidences.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(confidences));
    if (cooldown.isNegative() || retryBase.isNegative() || retryMax.compareTo(retryBase) < 0
        || maxAttempts < 1) {
      throw new IllegalArgumentException("bad notification policy: " + cooldown + ", "
          + retryBase + ".." + retryMax + ", " + maxAttempts + " attempts");
    }
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
