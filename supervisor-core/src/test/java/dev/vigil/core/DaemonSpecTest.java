package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class DaemonSpecTest {
  static final DaemonType A = DaemonType.of("A");
  static final DaemonType B = DaemonType.of("B");
  static final DaemonType C = DaemonType.of("C");
  static final DaemonType SYNC = DaemonType.of("AUTO_SYNC");

  private static DaemonSpec.Builder spec(DaemonType type) {
    return DaemonSpec.builder(type, () -> new IdleDaemon() {});
  }

  // ---------------------------------------------------------------- defaults

  @Test
  void builderDefaultsAreTheDocumentedOnes() {
    DaemonSpec s = spec(SYNC).build();

    assertThat(s.type()).isEqualTo(SYNC);
    assertThat(s.category()).isEqualTo("general");
    assertThat(s.restartPolicy()).isEqualTo(RestartPolicy.defaults());
    assertThat(s.readiness()).isEqualTo(ReadinessMode.ON_RETURN);
    assertThat(s.startTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.stopTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.healthInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.healthTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.failureThreshold()).isEqualTo(3);
    assertThat(s.successThreshold()).isEqualTo(1);
    assertThat(s.watchdogTimeout()).isEmpty();
    assertThat(s.critical()).isFalse();
    assertThat(s.restartsWhenUnhealthy()).isTrue();
    assertThat(s.config()).isEmpty();
    assertThat(s.dependencies()).isEmpty();
    assertThat(s.bindsTo()).isEmpty();
    assertThat(s.problems()).isEmpty();
  }

  @Test
  void builderSettersAreKept() {
    RestartPolicy policy = RestartPolicy.of(RestartType.TRANSIENT);
    DaemonSpec s =
        spec(SYNC)
            .category("data-sync")
            .restartPolicy(policy)
            .readiness(ReadinessMode.SIGNALLED)
            .startTimeout(Duration.ofSeconds(7))
            .stopTimeout(Duration.ofSeconds(3))
            .health(Duration.ofSeconds(10), Duration.ofSeconds(2))
            .healthThresholds(5, 2)
            .watchdogTimeout(Duration.ofSeconds(20))
            .critical(true)
            .config("cfg")
            .build();

    assertThat(s.category()).isEqualTo("data-sync");
    assertThat(s.restartPolicy()).isSameAs(policy);
    assertThat(s.readiness()).isEqualTo(ReadinessMode.SIGNALLED);
    assertThat(s.startTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(s.stopTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.healthInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.healthTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.failureThreshold()).isEqualTo(5);
    assertThat(s.successThreshold()).isEqualTo(2);
    assertThat(s.watchdogTimeout()).contains(Duration.ofSeconds(20));
    assertThat(s.critical()).isTrue();
    assertThat(s.config()).contains("cfg");
    assertThat(s.problems()).isEmpty();
  }

  @Test
  void toBuilderCopiesEveryValueAndLeavesTheOriginalAlone() {
    DaemonSpec original =
        spec(SYNC)
            .category("data-sync")
            .dependsOn(A)
            .bindsTo(B)
            .restartPolicy(RestartPolicy.of(RestartType.TRANSIENT))
            .readiness(ReadinessMode.SIGNALLED)
            .startTimeout(Duration.ofSeconds(7))
            .stopTimeout(Duration.ofSeconds(3))
            .health(Duration.ofSeconds(10), Duration.ofSeconds(2))
            .healthThresholds(5, 2)
            .watchdogTimeout(Duration.ofSeconds(20))
            .critical(true)
            .restartWhenUnhealthy(false)
            .config("cfg")
            .build();

    DaemonSpec copy = original.toBuilder().build();
    DaemonSpec changed = original.toBuilder().stopTimeout(Duration.ofSeconds(9)).dependsOn(C).build();

    assertThat(copy).usingRecursiveComparison().isEqualTo(original);
    assertThat(changed.stopTimeout()).isEqualTo(Duration.ofSeconds(9));
    assertThat(changed.dependencies()).containsExactlyInAnyOrder(A, B, C);
    assertThat(changed.bindsTo()).containsExactly(B);
    assertThat(original.stopTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(original.dependencies()).containsExactlyInAnyOrder(A, B);
  }

  // ---------------------------------------------------------------- dependencies

  @Test
  void bindsToImpliesDependency() {
    DaemonSpec s = spec(C).dependsOn(A).bindsTo(B).build();

    assertThat(s.dependencies()).containsExactlyInAnyOrder(A, B);
    assertThat(s.bindsTo()).containsExactly(B);
  }

  @Test
  void dependenciesAreImmutableAndNotAffectedByLaterBuilderUse() {
    DaemonSpec.Builder b = spec(C).dependsOn(A);
    DaemonSpec s = b.build();
    b.dependsOn(B);

    assertThat(s.dependencies()).containsExactly(A);
    assertThatThrownBy(() -> s.dependencies().add(B))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> s.bindsTo().add(B)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void repeatedDependenciesAreKeptOnce() {
    DaemonSpec s = spec(C).dependsOn(A, A).bindsTo(A).build();
    assertThat(s.dependencies()).containsExactly(A);
    assertThat(s.problems()).isEmpty();
  }

  // ---------------------------------------------------------------- instances

  @Test
  void newInstanceCallsTheFactoryEveryTime() {
    AtomicInteger made = new AtomicInteger();
    DaemonSpec s =
        DaemonSpec.builder(
                A,
                () -> {
                  made.incrementAndGet();
                  return new IdleDaemon() {};
                })
            .build();

    Daemon first = s.newInstance();
    Daemon second = s.newInstance();

    assertThat(made).hasValue(2);
    assertThat(first).isNotSameAs(second);
  }

  @Test
  void aFactoryReturningNullIsReportedWithTheDaemonsName() {
    DaemonSpec s = DaemonSpec.builder(SYNC, () -> null).build();
    assertThatThrownBy(s::newInstance)
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("AUTO_SYNC");
  }

  @Test
  void nullsAreRejectedByTheBuilder() {
    assertThatThrownBy(() -> DaemonSpec.builder(null, () -> new IdleDaemon() {}))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> DaemonSpec.builder(A, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> spec(A).dependsOn((DaemonType) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> spec(A).stopTimeout(null)).isInstanceOf(NullPointerException.class);
  }

  // ---------------------------------------------------------------- problems

  @Test
  void zeroStopTimeoutIsAProblemNamingDaemonKeyAndValue() {
    DaemonSpec s = spec(SYNC).stopTimeout(Duration.ZERO).build();
    assertThat(s.problems()).containsExactly("AUTO_SYNC: stopTimeout PT0S must be positive");
  }

  @Test
  void negativeStartTimeoutIsAProblem() {
    DaemonSpec s = spec(SYNC).startTimeout(Duration.ofSeconds(-1)).build();
    assertThat(s.problems()).containsExactly("AUTO_SYNC: startTimeout PT-1S must be positive");
  }

  @Test
  void zeroOrNegativeWatchdogTimeoutIsAProblem() {
    assertThat(spec(SYNC).watchdogTimeout(Duration.ZERO).build().problems())
        .containsExactly("AUTO_SYNC: watchdogTimeout PT0S must be positive");
    assertThat(spec(SYNC).watchdogTimeout(Duration.ofMillis(-5)).build().problems())
        .containsExactly("AUTO_SYNC: watchdogTimeout PT-0.005S must be positive");
  }

  @Test
  void nonPositiveHealthTimeoutIsAProblem() {
    DaemonSpec s = spec(SYNC).health(Duration.ofSeconds(10), Duration.ZERO).build();
    assertThat(s.problems()).containsExactly("AUTO_SYNC: healthTimeout PT0S must be positive");
  }

  @Test
  void zeroHealthIntervalIsAProblem() {
    DaemonSpec s = spec(SYNC).health(Duration.ZERO, Duration.ofSeconds(1)).build();
    assertThat(s.problems())
        .contains("AUTO_SYNC: healthInterval PT0S must be positive")
        .allMatch(p -> p.startsWith("AUTO_SYNC: "));
  }

  @Test
  void healthTimeoutLongerThanIntervalIsAProblem() {
    DaemonSpec s = spec(SYNC).health(Duration.ofSeconds(5), Duration.ofSeconds(10)).build();
    assertThat(s.problems())
        .containsExactly("AUTO_SYNC: healthTimeout PT10S is longer than healthInterval PT5S");
  }

  @Test
  void healthTimeoutEqualToIntervalIsFine() {
    assertThat(spec(SYNC).health(Duration.ofSeconds(5), Duration.ofSeconds(5)).build().problems())
        .isEmpty();
  }

  @Test
  void thresholdsBelowOneAreProblems() {
    DaemonSpec s = spec(SYNC).healthThresholds(0, -2).build();
    assertThat(s.problems())
        .containsExactly(
            "AUTO_SYNC: failureThreshold 0 must be at least 1",
            "AUTO_SYNC: successThreshold -2 must be at least 1");
  }

  @Test
  void thresholdsOfOneAreFine() {
    assertThat(spec(SYNC).healthThresholds(1, 1).build().problems()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Telemetry", "data_sync", "-sync", "9lives", "a b", "sync!"})
  void badCategoryIsAProblemNamingTheValue(String category) {
    DaemonSpec s = spec(SYNC).category(category).build();
    assertThat(s.problems())
        .containsExactly(
            "AUTO_SYNC: category '" + category + "' is not lower-kebab-case (e.g. telemetry)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"general", "telemetry", "data-sync", "v2", "a-1-b"})
  void goodCategoriesAreAccepted(String category) {
    assertThat(spec(SYNC).category(category).build().problems()).isEmpty();
  }

  @Test
  void selfDependencyIsAProblem() {
    assertThat(spec(SYNC).dependsOn(SYNC).build().problems())
        .containsExactly("AUTO_SYNC: depends on itself");
    assertThat(spec(SYNC).bindsTo(SYNC).build().problems())
        .containsExactly("AUTO_SYNC: depends on itself");
  }

  @Test
  void everyProblemIsKeptNotJustTheFirst() {
    DaemonSpec s =
        spec(SYNC)
            .category("Bad")
            .dependsOn(SYNC)
            .stopTimeout(Duration.ofSeconds(-3))
            .health(Duration.ofSeconds(1), Duration.ofSeconds(2))
            .healthThresholds(0, 0)
            .build();

    assertThat(s.problems())
        .containsExactlyInAnyOrder(
            "AUTO_SYNC: category 'Bad' is not lower-kebab-case (e.g. telemetry)",
            "AUTO_SYNC: depends on itself",
            "AUTO_SYNC: stopTimeout PT-3S must be positive",
            "AUTO_SYNC: healthTimeout PT2S is longer than healthInterval PT1S",
            "AUTO_SYNC: failureThreshold 0 must be at least 1",
            "AUTO_SYNC: successThreshold 0 must be at least 1");
    assertThatThrownBy(() -> s.problems().add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ---------------------------------------------------------------- DaemonType

  @ParameterizedTest
  @ValueSource(strings = {"A", "AUTO_SYNC", "TELEMETRY_POLLER", "V2_API", "A1", "A_1_B"})
  void upperSnakeNamesAreAccepted(String name) {
    assertThat(DaemonType.of(name).name()).isEqualTo(name);
    assertThat(DaemonType.of(name)).hasToString(name).isEqualTo(new DaemonType(name));
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {"", "auto_sync", "Auto_Sync", "_A", "A_", "A__B", "1A", "A-B", "A B", " A", "É"})
  void otherNamesAreRejectedNamingTheValueAndTheRule(String name) {
    assertThatThrownBy(() -> DaemonType.of(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("daemon type name '" + name + "' is not UPPER_SNAKE (e.g. TELEMETRY_POLLER)");
  }

  @Test
  void typesSortByName() {
    assertThat(java.util.stream.Stream.of(C, SYNC, A, B).sorted())
        .containsExactly(A, SYNC, B, C);
  }
}
