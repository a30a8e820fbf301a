package dev.vigil.rounds.investigation;

import java.time.Duration;
import java.util.Objects;

/**
 * Which signatures are due for an investigation. A signature is due when it is {@code new},
 * {@code investigating} with its lease expired (work stranded by a crash) or {@code diagnosed}
 * and either re-investigation was asked for, or the cooldown since its last diagnosis has passed
 * and it has grown {@code growthFactor}-fold since; and in every case it has at least {@code
 * minOccurrences}, is not waiting out a backoff and does not need a human. A regression reopens a
 * resolved signature as {@code new}, so it is due whatever the cooldown.
 *
 * @param minOccurrences occurrences before a first investigation
 * @param cooldown after a diagnosis, no re-diagnosis before this has passed
 * @param growthFactor a diagnosed signature is re-diagnosed once its count is this many times its
 *     count at the last diagnosis (and the cooldown has passed)
 */
public record Triage(int minOccurrences, Duration cooldown, double growthFactor) {
  /** Checks the values. */
  public Triage {
    Objects.requireNonNull(cooldown, "cooldown");
    if (minOccurrences < 1) {
      throw new IllegalArgumentException("minOccurrences " + minOccurrences + " must be at least 1");
    }
    if (cooldown.isNegative()) {
      throw new IllegalArgumentException("cooldown " + cooldown + " must not be negative");
    }
    if (!(growthFactor >= 1.0)) {
      throw new IllegalArgumentException("growthFactor " + growthFactor + " must be at least 1");
    }
  }

  /** 3 occurrences, 24 h cooldown, re-diagnosis at a 10-fold growth. */
  public static Triage defaults() {
    return new Triage(3, Duration.ofHours(24), 10.0);
  }
}
