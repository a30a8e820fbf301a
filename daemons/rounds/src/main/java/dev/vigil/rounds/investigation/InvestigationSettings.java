package dev.vigil.rounds.investigation;

import com.typesafe.config.Config;
import dev.vigil.rounds.diagnosis.ConfigChecks;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * The {@code DIAGNOSIS} daemon's settings ({@code vigil.daemons.DIAGNOSIS}, and {@code
 * vigil.rounds.investigation-threshold} as the minimum occurrences), validated.
 *
 * @param interval the sweep's period
 * @param concurrency investigations running at once
 * @param maxPerCycle investigations a sweep starts at most
 * @param triage which signatures are due
 * @param lease how long an investigation's lease lasts
 * @param retryBase the backoff after a first failed attempt, doubled per further failure
 * @param retryMax the longest backoff
 * @param maxAttempts failed attempts before a signature needs a human
 * @param samples recent samples given to an investigation
 * @param similar similar signatures given to an investigation
 */
public record InvestigationSettings(
    Duration interval,
    int concurrency,
    int maxPerCycle,
    Triage triage,
    Duration lease,
    Duration retryBase,
    Duration retryMax,
    int maxAttempts,
    int samples,
    int similar) {

  private static final String P = "vigil.daemons.DIAGNOSIS.";

  /**
   * Reads and checks the settings from the whole merged configuration.
   *
   * @throws com.typesafe.config.ConfigException naming every bad key, its value and why
   */
  public static InvestigationSettings from(Config config) {
    ConfigChecks c = new ConfigChecks(config);
    int interval = c.integer(P + "interval-seconds", 1, 86_400);
    int concurrency = c.integer(P + "concurrency", 1, 64);
    int perCycle = c.integer(P + "max-per-cycle", 1, 10_000);
    int cooldown = c.integer(P + "cooldown-hours", 0, 24 * 365);
    BigDecimal growth = c.decimal(P + "growth-factor", BigDecimal.ONE);
    Duration lease = lease(c);
    int base = c.integer(P + "retry-base-seconds", 1, 86_400);
    int max = c.integer(P + "retry-max-minutes", 1, 7 * 24 * 60);
    if (max * 60 < base) {
      c.problem(P + "retry-max-minutes", "must not be shorter than retry-base-seconds");
    }
    int attempts = c.integer(P + "max-attempts", 1, 1000);
    int samples = c.integer(P + "samples", 1, 100);
    int similar = c.integer(P + "similar-signatures", 0, 100);
    int threshold = c.integer("vigil.rounds.investigation-threshold", 1, 1_000_000);
    c.throwIfAny();
    return new InvestigationSettings(
        Duration.ofSeconds(interval), concurrency, perCycle,
        new Triage(threshold, Duration.ofHours(cooldown), growth.doubleValue()),
        lease, Duration.ofSeconds(base), Duration.ofMinutes(Math.max(max, (base + 59) / 60)),
        attempts, samples, similar);
  }

  /**
   * {@code lease-minutes}: a decimal number of minutes (so a test can lease for seconds), from one
   * second to a day, to the millisecond.
   */
  private static Duration lease(ConfigChecks c) {
    BigDecimal minutes = c.decimal(P + "lease-minutes", BigDecimal.ZERO);
    BigDecimal millis = minutes.multiply(BigDecimal.valueOf(60_000)).setScale(0, java.math.RoundingMode.HALF_UP);
    if (millis.compareTo(BigDecimal.valueOf(1000)) < 0 || millis.compareTo(BigDecimal.valueOf(24L * 60 * 60_000)) > 0) {
      c.problem(P + "lease-minutes", "must be between 0.0167 (one second) and 1440 (a day)");
      return Duration.ofMinutes(15);
    }
    return Duration.ofMillis(millis.longValueExact());
  }

  /** The wait before the next attempt after {@code failures} failed ones (1-based), capped. */
  public Duration backoff(int failures) {
    int doublings = Math.max(0, Math.min(failures - 1, 30));
    Duration d = retryBase.multipliedBy(1L << doublings);
    return d.compareTo(retryMax) > 0 ? retryMax : d;
  }
}
