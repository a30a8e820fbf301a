package dev.vigil.core;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a daemon is restarted after it exits: which exits restart it ({@link RestartType}), the
 * exponential backoff between attempts, how many attempts before it is FAILED, when a stable run
 * forgets earlier attempts, and an optional intensity limit. Immutable; change it with the {@code
 * with...} copies. The defaults are the runbook's: permanent, delays 1, 2, 4, 8, 16 s with ±10 %
 * jitter, at most 5 attempts, attempts forgotten after 60 s of stable running, no intensity limit.
 *
 * @param type which exits restart the daemon
 * @param initialDelay the delay before the first restart
 * @param maxDelay the delay never grows past this
 * @param multiplier each further delay is the previous one times this (at least 1)
 * @param maxAttempts restarts allowed in a row before FAILED; empty means unlimited
 * @param jitter the delay is spread by up to this fraction either way (0 to 1)
 * @param resetAfter a run at least this long forgets the earlier attempts
 * @param intensity at most this many restarts in a sliding window, else FAILED
 */
public record RestartPolicy(
    RestartType type,
    Duration initialDelay,
    Duration maxDelay,
    double multiplier,
    OptionalInt maxAttempts,
    double jitter,
    Duration resetAfter,
    Optional<Intensity> intensity) {

  private static final RestartPolicy DEFAULT =
      new RestartPolicy(
          RestartType.PERMANENT,
          Duration.ofSeconds(1),
          Duration.ofSeconds(60),
          2.0,
          OptionalInt.of(5),
          0.1,
          Duration.ofSeconds(60),
          Optional.empty());

  /** Validates every value, naming the field and the value on failure. */
  public RestartPolicy {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(maxAttempts, "maxAttempts");
    Objects.requireNonNull(intensity, "intensity");
    requireNonNegative("initialDelay", initialDelay);
    requireNonNegative("maxDelay", maxDelay);
    requireNonNegative("resetAfter", resetAfter);
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException(
          "maxDelay " + maxDelay + " is shorter than initialDelay " + initialDelay);
    }
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier " + multiplier + " must be at least 1");
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter " + jitter + " must be between 0 and 1");
    }
    if (maxAttempts.isPresent() && maxAttempts.getAsInt() < 0) {
      throw new IllegalArgumentException(
          "maxAttempts " + maxAttempts.getAsInt() + " must not be negative");
    }
  }

  /** The runbook's defaults (see the class comment). */
  public static RestartPolicy defaults() {
    return DEFAULT;
  }

  /** Defaults with this restart type. */
  public static RestartPolicy of(RestartType type) {
    return DEFAULT.withType(type);
  }

  /** A copy with this restart type. */
  public RestartPolicy withType(RestartType newType) {
    return new RestartPolicy(
        newType, initialDelay, maxDelay, multiplier, maxAttempts, jitter, resetAfter, intensity);
  }

  /** A copy with this backoff: first delay, ceiling and growth factor. */
  public RestartPolicy withBackoff(Duration initial, Duration max, double factor) {
    return new RestartPolicy(type, initial, max, factor, maxAttempts, jitter, resetAfter, intensity);
  }

  /** A copy allowing at most {@code attempts} restarts in a row. */
  public RestartPolicy withMaxAttempts(int attempts) {
    return new RestartPolicy(
        type,
        initialDelay,
        maxDelay,
        multiplier,
        OptionalInt.of(attempts),
        jitter,
        resetAfter,
        intensity);
  }

  /** A copy that restarts without a limit on attempts in a row. */
  public RestartPolicy withUnlimitedAttempts() {
    return new RestartPolicy(
        type, initialDelay, maxDelay, multiplier, OptionalInt.empty(), jitter, resetAfter, intensity);
  }

  /** A copy with this jitter fraction (0 turns it off). */
  public RestartPolicy withJitter(double fraction) {
    return new RestartPolicy(
        type, initialDelay, maxDelay, multiplier, maxAttempts, fraction, resetAfter, intensity);
  }

  /** A copy that forgets earlier attempts after a run of at least {@code stableRun}. */
  public RestartPolicy withResetAfter(Duration stableRun) {
    return new RestartPolicy(
        type, initialDelay, maxDelay, multiplier, maxAttempts, jitter, stableRun, intensity);
  }

  /** A copy that fails the daemon after more than {@code maxRestarts} restarts within {@code window}. */
  public RestartPolicy withIntensity(int maxRestarts, Duration window) {
    return new RestartPolicy(
        type,
        initialDelay,
        maxDelay,
        multiplier,
        maxAttempts,
        jitter,
        resetAfter,
        Optional.of(new Intensity(maxRestarts, window)));
  }

  /**
   * The delay before restart number {@code attempt} (1-based): {@code initialDelay * multiplier^(attempt
   * - 1)}, capped at {@code maxDelay}, then spread by the jitter.
   *
   * @param random a uniformly distributed value in [0, 1) choosing where in the jitter band to land
   */
  public Duration delay(int attempt, double random) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt " + attempt + " must be at least 1");
    }
    double base = saturatedNanos(initialDelay) * Math.pow(multiplier, attempt - 1);
    double capped = Math.min(base, saturatedNanos(maxDelay));
    double spread = capped * (1.0 + jitter * (2.0 * random - 1.0));
    return Duration.ofNanos(Math.round(spread));
  }

  /** True when an exit of this kind restarts the daemon under this policy's type. */
  public boolean restartsAfter(boolean abnormalExit) {
    return switch (type) {
      case PERMANENT -> true;
      case TRANSIENT -> abnormalExit;
      case TEMPORARY -> false;
    };
  }

  /** True when {@code attempt} restarts in a row are still within {@link #maxAttempts()}. */
  public boolean allowsAttempt(int attempt) {
    return maxAttempts.isEmpty() || attempt <= maxAttempts.getAsInt();
  }

  /** A "forever" maximum is legitimate: such delays saturate instead of overflowing. */
  private static double saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  private static void requireNonNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " " + value + " must not be negative");
    }
  }

  /**
   * At most {@code maxRestarts} restarts within any {@code window}; one more and the daemon is FAILED
   * (Erlang/OTP's restart intensity).
   *
   * @param maxRestarts restarts allowed within the window, at least 0
   * @param window the length of the sliding window, positive
   */
  public record Intensity(int maxRestarts, Duration window) {
    /** Validates both values. */
    public Intensity {
      if (maxRestarts < 0) {
        throw new IllegalArgumentException("intensity maxRestarts " + maxRestarts + " is negative");
      }
      Objects.requireNonNull(window, "window");
      if (window.isZero() || window.isNegative()) {
        throw new IllegalArgumentException("intensity window " + window + " must be positive");
      }
    }
  }
}
