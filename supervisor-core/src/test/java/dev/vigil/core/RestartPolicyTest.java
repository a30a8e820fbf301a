package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RestartPolicyTest {
  private static final RestartPolicy DEFAULTS = RestartPolicy.defaults();

  private static Duration s(long seconds) {
    return Duration.ofSeconds(seconds);
  }

  // ---------------------------------------------------------------- defaults

  @Test
  void defaultsAreTheRunbooks() {
    assertThat(DEFAULTS.type()).isEqualTo(RestartType.PERMANENT);
    assertThat(DEFAULTS.initialDelay()).isEqualTo(s(1));
    assertThat(DEFAULTS.multiplier()).isEqualTo(2.0);
    assertThat(DEFAULTS.maxAttempts()).isEqualTo(OptionalInt.of(5));
    assertThat(DEFAULTS.jitter()).isEqualTo(0.1);
    assertThat(DEFAULTS.resetAfter()).isEqualTo(s(60));
    assertThat(DEFAULTS.intensity()).isEmpty();
  }

  @ParameterizedTest(name = "attempt {0} -> {1}s")
  @CsvSource({"1, 1", "2, 2", "3, 4", "4, 8", "5, 16"})
  void defaultDelaysDoubleFromOneSecond(int attempt, long seconds) {
    // random 0.5 lands in the middle of the jitter band: exactly the base delay
    assertThat(DEFAULTS.delay(attempt, 0.5)).isEqualTo(s(seconds));
    // with jitter off, the random value does not matter
    RestartPolicy noJitter = DEFAULTS.withJitter(0);
    assertThat(noJitter.delay(attempt, 0.0)).isEqualTo(s(seconds));
    assertThat(noJitter.delay(attempt, 0.99)).isEqualTo(s(seconds));
  }

  @Test
  void defaultsAllowFiveAttemptsInARow() {
    assertThat(DEFAULTS.allowsAttempt(1)).isTrue();
    assertThat(DEFAULTS.allowsAttempt(5)).isTrue();
    assertThat(DEFAULTS.allowsAttempt(6)).isFalse();
  }

  @Test
  void ofTakesDefaultsWithTheType() {
    RestartPolicy p = RestartPolicy.of(RestartType.TRANSIENT);
    assertThat(p.type()).isEqualTo(RestartType.TRANSIENT);
    assertThat(p.withType(RestartType.PERMANENT)).isEqualTo(DEFAULTS);
  }

  // ---------------------------------------------------------------- attempts

  @Test
  void unlimitedAllowsAnyAttempt() {
    RestartPolicy p = DEFAULTS.withUnlimitedAttempts();
    assertThat(p.maxAttempts()).isEmpty();
    assertThat(p.allowsAttempt(6)).isTrue();
    assertThat(p.allowsAttempt(Integer.MAX_VALUE)).isTrue();
  }

  @Test
  void maxAttemptsZeroAllowsNoRestart() {
    RestartPolicy p = DEFAULTS.withMaxAttempts(0);
    assertThat(p.allowsAttempt(1)).isFalse();
  }

  @Test
  void withMaxAttemptsSetsTheLimit() {
    RestartPolicy p = DEFAULTS.withMaxAttempts(2);
    assertThat(p.allowsAttempt(2)).isTrue();
    assertThat(p.allowsAttempt(3)).isFalse();
    assertThat(p.withUnlimitedAttempts().withMaxAttempts(2)).isEqualTo(p);
  }

  // ---------------------------------------------------------------- delay

  @Test
  void delayIsCappedAtMaxDelay() {
    RestartPolicy p = DEFAULTS.withJitter(0).withBackoff(s(1), s(10), 2.0);
    assertThat(p.delay(4, 0.5)).isEqualTo(s(8));
    assertThat(p.delay(5, 0.5)).isEqualTo(s(10));
    assertThat(p.delay(60, 0.5)).isEqualTo(s(10));
    // far past the point where multiplier^attempt overflows a double
    assertThat(p.delay(5_000, 0.5)).isEqualTo(s(10));
    assertThat(p.delay(Integer.MAX_VALUE, 0.5)).isEqualTo(s(10));
  }

  @Test
  void defaultDelayIsCappedAtSixtySeconds() {
    assertThat(DEFAULTS.delay(7, 0.5)).isEqualTo(s(60)); // 64 s capped
  }

  @Test
  void multiplierOneGivesAConstantDelay() {
    RestartPolicy p = DEFAULTS.withBackoff(Duration.ofMillis(250), s(1), 1.0);
    assertThat(p.delay(1, 0.5)).isEqualTo(Duration.ofMillis(250));
    assertThat(p.delay(100, 0.5)).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void zeroInitialDelayStaysZero() {
    RestartPolicy p = DEFAULTS.withBackoff(Duration.ZERO, s(10), 2.0);
    assertThat(p.delay(1, 0.9)).isZero();
    assertThat(p.delay(5_000, 0.9)).isZero();
  }

  @Test
  void jitterLowerBoundIsMinusTenPercent() {
    assertThat(DEFAULTS.delay(1, 0.0)).isEqualTo(Duration.ofMillis(900));
    assertThat(DEFAULTS.delay(5, 0.0)).isEqualTo(Duration.ofMillis(14_400));
  }

  @Test
  void jitterUpperBoundApproachesPlusTenPercent() {
    double almostOne = Math.nextDown(1.0);
    assertThat(DEFAULTS.delay(1, almostOne))
        .isLessThanOrEqualTo(Duration.ofMillis(1100))
        .isGreaterThan(Duration.ofMillis(1100).minusNanos(2));
    assertThat(DEFAULTS.delay(5, almostOne))
        .isLessThanOrEqualTo(Duration.ofMillis(17_600))
        .isGreaterThan(Duration.ofMillis(17_600).minusNanos(10));
  }

  @Test
  void jitteredDelaysStayWithinTenPercentForManyRandomValues() {
    SplittableRandom random = new SplittableRandom(42);
    double lowest = Double.MAX_VALUE;
    double highest = -Double.MAX_VALUE;
    for (int i = 0; i < 20_000; i++) {
      int attempt = 1 + random.nextInt(8);
      double r = random.nextDouble();
      long base = Math.min(1L << (attempt - 1), 60) * 1_000_000_000L;
      long delay = DEFAULTS.delay(attempt, r).toNanos();
      assertThat(delay)
          .as("attempt %d, random %s", attempt, r)
          .isBetween(Math.round(base * 0.9), Math.round(base * 1.1));
      double ratio = (double) delay / base;
      lowest = Math.min(lowest, ratio);
      highest = Math.max(highest, ratio);
    }
    // the band is actually used, not collapsed onto the base
    assertThat(lowest).isLessThan(0.905);
    assertThat(highest).isGreaterThan(1.095);
  }

  @Test
  void jitterOfOneSpreadsFromZeroToDouble() {
    RestartPolicy p = DEFAULTS.withJitter(1.0);
    assertThat(p.delay(2, 0.0)).isZero();
    assertThat(p.delay(2, 0.5)).isEqualTo(s(2));
    assertThat(p.delay(2, 0.75)).isEqualTo(s(3));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void attemptsStartAtOne(int attempt) {
    assertThatThrownBy(() -> DEFAULTS.delay(attempt, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempt " + attempt + " must be at least 1");
  }

  @Test
  void aHugeMaxDelayMeaningNoCapStillGivesDelays() {
    // the constructor accepts it, so delay() must cope with it
    RestartPolicy p = DEFAULTS.withJitter(0).withBackoff(s(1), ChronoUnit.FOREVER.getDuration(), 2);
    assertThat(p.delay(1, 0.5)).isEqualTo(s(1));
    assertThat(p.delay(3, 0.5)).isEqualTo(s(4));
  }

  // ---------------------------------------------------------------- restart types

  @ParameterizedTest(name = "{0}: after a crash {1}, after a normal exit {2}")
  @CsvSource({"PERMANENT, true, true", "TRANSIENT, true, false", "TEMPORARY, false, false"})
  void restartsAfterFollowsOtpMeanings(RestartType type, boolean afterCrash, boolean afterNormal) {
    RestartPolicy p = RestartPolicy.of(type);
    assertThat(p.restartsAfter(true)).as("abnormal exit").isEqualTo(afterCrash);
    assertThat(p.restartsAfter(false)).as("normal exit").isEqualTo(afterNormal);
  }

  // ---------------------------------------------------------------- copies

  @Test
  void withCopiesChangeOnlyTheirField() {
    RestartPolicy p =
        DEFAULTS
            .withType(RestartType.TEMPORARY)
            .withBackoff(s(2), s(30), 3.0)
            .withMaxAttempts(9)
            .withJitter(0.25)
            .withResetAfter(s(120))
            .withIntensity(4, s(10));

    assertThat(p)
        .isEqualTo(
            new RestartPolicy(
                RestartType.TEMPORARY,
                s(2),
                s(30),
                3.0,
                OptionalInt.of(9),
                0.25,
                s(120),
                Optional.of(new RestartPolicy.Intensity(4, s(10)))));
    assertThat(DEFAULTS.type()).isEqualTo(RestartType.PERMANENT); // the original is untouched
  }

  // ---------------------------------------------------------------- validation

  @Test
  void negativeInitialDelayIsRejected() {
    assertThatThrownBy(() -> DEFAULTS.withBackoff(s(-1), s(10), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialDelay PT-1S must not be negative");
  }

  @Test
  void negativeMaxDelayIsRejected() {
    assertThatThrownBy(() -> DEFAULTS.withBackoff(Duration.ZERO, s(-1), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxDelay PT-1S must not be negative");
  }

  @Test
  void maxDelayShorterThanInitialDelayIsRejected() {
    assertThatThrownBy(() -> DEFAULTS.withBackoff(s(2), s(1), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxDelay PT1S is shorter than initialDelay PT2S");
  }

  @Test
  void negativeResetAfterIsRejected() {
    assertThatThrownBy(() -> DEFAULTS.withResetAfter(s(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resetAfter PT-5S must not be negative");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.999, 0.0, -2.0, Double.NaN, Double.POSITIVE_INFINITY})
  void multiplierBelowOneOrNotFiniteIsRejected(double multiplier) {
    assertThatThrownBy(() -> DEFAULTS.withBackoff(s(1), s(10), multiplier))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("multiplier " + multiplier + " must be at least 1");
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.01, 1.01, Double.NaN, Double.NEGATIVE_INFINITY})
  void jitterOutsideZeroToOneIsRejected(double jitter) {
    assertThatThrownBy(() -> DEFAULTS.withJitter(jitter))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jitter " + jitter + " must be between 0 and 1");
  }

  @Test
  void jitterBoundsThemselvesAreAccepted() {
    assertThat(DEFAULTS.withJitter(0).jitter()).isZero();
    assertThat(DEFAULTS.withJitter(1).jitter()).isEqualTo(1.0);
  }

  @Test
  void negativeMaxAttemptsIsRejected() {
    assertThatThrownBy(() -> DEFAULTS.withMaxAttempts(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts -1 must not be negative");
  }

  @Test
  void nullsAreRejected() {
    assertThatThrownBy(() -> DEFAULTS.withType(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> DEFAULTS.withBackoff(null, s(1), 2))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> DEFAULTS.withResetAfter(null))
        .isInstanceOf(NullPointerException.class);
  }

  // ---------------------------------------------------------------- intensity

  @Test
  void intensityIsKept() {
    RestartPolicy p = DEFAULTS.withIntensity(3, s(60));
    assertThat(p.intensity()).contains(new RestartPolicy.Intensity(3, s(60)));
  }

  @Test
  void intensityOfZeroRestartsIsAllowed() {
    assertThat(new RestartPolicy.Intensity(0, s(1)).maxRestarts()).isZero();
  }

  @Test
  void negativeIntensityRestartsIsRejected() {
    assertThatThrownBy(() -> DEFAULTS.withIntensity(-1, s(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("intensity maxRestarts -1 is negative");
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1})
  void nonPositiveIntensityWindowIsRejected(long seconds) {
    assertThatThrownBy(() -> DEFAULTS.withIntensity(3, s(seconds)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("intensity window " + s(seconds) + " must be positive");
  }

  @Test
  void nullIntensityWindowIsRejected() {
    assertThatThrownBy(() -> new RestartPolicy.Intensity(3, null))
        .isInstanceOf(NullPointerException.class);
  }
}
