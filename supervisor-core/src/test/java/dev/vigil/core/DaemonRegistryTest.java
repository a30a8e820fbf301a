package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DaemonRegistryTest {
  static final DaemonType A = DaemonType.of("A");
  static final DaemonType B = DaemonType.of("B");
  static final DaemonType C = DaemonType.of("C");
  static final DaemonType D = DaemonType.of("D");
  static final DaemonType E = DaemonType.of("E");
  static final DaemonType ZED = DaemonType.of("ZED");

  private static DaemonSpec spec(DaemonType type, DaemonType... deps) {
    return DaemonSpec.builder(type, () -> new IdleDaemon() {}).dependsOn(deps).build();
  }

  private static DaemonSpec spec(DaemonType type, String category) {
    return DaemonSpec.builder(type, () -> new IdleDaemon() {}).category(category).build();
  }

  // ---------------------------------------------------------------- validate

  @Test
  void aValidRegistryHasNoProblems() {
    DaemonRegistry r = DaemonRegistry.of(spec(A), spec(B, A), spec(C, A, B));
    assertThat(r.validate()).isEmpty();
    assertThat(r.requireValid()).isSameAs(r);
  }

  @Test
  void anEmptyRegistryIsValid() {
    assertThat(DaemonRegistry.of().validate()).isEmpty();
    assertThat(DaemonRegistry.of().types()).isEmpty();
  }

  @Test
  void unknownDependencyIsReportedWithTheKnownDaemons() {
    DaemonRegistry r = DaemonRegistry.of(spec(B, ZED), spec(A));
    assertThat(r.validate()).containsExactly("B: depends on unknown daemon ZED (known: A, B)");
  }

  @Test
  void duplicateTypeIsReportedAndTheFirstDeclarationKept() {
    DaemonSpec first = spec(A, "first");
    DaemonRegistry r = DaemonRegistry.of(first, spec(B), spec(A, "second"));

    assertThat(r.validate()).containsExactly("A: declared more than once");
    assertThat(r.spec(A)).containsSame(first);
    assertThat(r.types()).containsExactly(A, B);
  }

  @Test
  void duplicatesIntroducedByWithAreReported() {
    DaemonRegistry r = DaemonRegistry.of(spec(A), spec(B)).with(List.of(spec(C), spec(B)));
    assertThat(r.types()).containsExactly(A, B, C);
    assertThat(r.validate()).containsExactly("B: declared more than once");
  }

  @Test
  void withKeepsEarlierDuplicates() {
    DaemonRegistry r = DaemonRegistry.of(spec(A), spec(A)).with(List.of(spec(B)));
    assertThat(r.validate()).containsExactly("A: declared more than once");
  }

  @Test
  void cycleIsReportedWithItsPath() {
    DaemonRegistry r = DaemonRegistry.of(spec(A, B), spec(B, C), spec(C, A));
    assertThat(r.validate()).containsExactly("dependency cycle: A -> B -> C -> A");
  }

  @Test
  void twoNodeCycleIsReported() {
    DaemonRegistry r = DaemonRegistry.of(spec(A, B), spec(B, A));
    assertThat(r.validate()).containsExactly("dependency cycle: A -> B -> A");
  }

  @Test
  void cycleBelowAnAcyclicRootIsReportedWithoutTheRoot() {
    // A -> B -> C -> D -> B: the path printed is the cycle only
    DaemonRegistry r = DaemonRegistry.of(spec(A, B), spec(B, C), spec(C, D), spec(D, B));
    assertThat(r.validate()).containsExactly("dependency cycle: B -> C -> D -> B");
  }

  @Test
  void twoSeparateCyclesAreBothReported() {
    DaemonRegistry r =
        DaemonRegistry.of(spec(A, B), spec(B, A), spec(C, D), spec(D, E), spec(E, C), spec(ZED));
    assertThat(r.validate())
        .containsExactlyInAnyOrder(
            "dependency cycle: A -> B -> A", "dependency cycle: C -> D -> E -> C");
  }

  @Test
  void selfDependencyIsReportedOnceBySpecNotAgainAsACycle() {
    DaemonRegistry r = DaemonRegistry.of(spec(A, A), spec(B, A));
    assertThat(r.validate()).containsExactly("A: depends on itself");
  }

  @Test
  void everyKindOfProblemIsReportedAtOnce() {
    DaemonRegistry r =
        DaemonRegistry.of(
            spec(A, B),
            spec(B, A),
            spec(C, ZED),
            spec(D),
            spec(D),
            DaemonSpec.builder(E, () -> new IdleDaemon() {})
                .stopTimeout(Duration.ZERO)
                .healthThresholds(0, 1)
                .build());

    assertThat(r.validate())
        .containsExactlyInAnyOrder(
            "D: declared more than once",
            "E: stopTimeout PT0S must be positive",
            "E: failureThreshold 0 must be at least 1",
            "C: depends on unknown daemon ZED (known: A, B, C, D, E)",
            "dependency cycle: A -> B -> A");
  }

  @Test
  void tenThousandDeepChainValidatesWithoutOverflowingTheStack() {
    int n = 10_000;
    List<DaemonSpec> specs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      DaemonType t = DaemonType.of("N" + i);
      specs.add(i + 1 < n ? spec(t, DaemonType.of("N" + (i + 1))) : spec(t));
    }
    DaemonRegistry r = DaemonRegistry.of(specs);

    assertThat(r.validate()).isEmpty();
    assertThat(r.withDependencies(List.of(DaemonType.of("N0")))).hasSize(n);
  }

  @Test
  void tenThousandLongCycleIsReportedWithItsWholePath() {
    int n = 10_000;
    List<DaemonSpec> specs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      specs.add(spec(DaemonType.of("N" + i), DaemonType.of("N" + ((i + 1) % n))));
    }

    List<String> problems = DaemonRegistry.of(specs).validate();

    assertThat(problems).hasSize(1);
    String cycle = problems.get(0);
    assertThat(cycle)
        .startsWith("dependency cycle: N0 -> N1 -> N2 -> ")
        .endsWith(" -> N9999 -> N0");
    assertThat(cycle.split(" -> ")).hasSize(n + 1);
  }

  // ---------------------------------------------------------------- requireValid

  @Test
  void requireValidThrowsWithEveryProblem() {
    DaemonRegistry r = DaemonRegistry.of(spec(A, ZED), spec(B, C), spec(C, B));

    InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, r::requireValid);

    assertThat(e).isNotNull();
    assertThat(e.problems())
        .containsExactlyElementsOf(r.validate())
        .containsExactlyInAnyOrder(
            "A: depends on unknown daemon ZED (known: A, B, C)", "dependency cycle: B -> C -> B");
    assertThat(e)
        .hasMessageStartingWith("2 problems:")
        .hasMessageContaining("\n  - A: depends on unknown daemon ZED")
        .hasMessageContaining("\n  - dependency cycle: B -> C -> B");
  }

  @Test
  void requireValidWithOneProblemUsesItAsTheMessage() {
    DaemonRegistry r = DaemonRegistry.of(spec(A, ZED));
    assertThatThrownBy(r::requireValid)
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("A: depends on unknown daemon ZED (known: A)");
  }

  @Test
  void invalidSpecExceptionNeedsAProblemAndCopiesThem() {
    assertThatThrownBy(() -> new InvalidSpecException(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    List<String> problems = new ArrayList<>(List.of("x"));
    InvalidSpecException e = new InvalidSpecException(problems);
    problems.add("y");
    assertThat(e.problems()).containsExactly("x");
  }

  @Test
  void aManagerRefusesAnInvalidRegistry() {
    DaemonRegistry r = DaemonRegistry.of(spec(A, ZED));
    assertThatThrownBy(() -> DaemonManager.builder(r).build())
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("A: depends on unknown daemon ZED");
  }

  // ---------------------------------------------------------------- queries

  @Test
  void byCategoryGroupsAndSortsCategoriesAndTypes() {
    DaemonRegistry r =
        DaemonRegistry.of(
            spec(ZED, "net"), spec(D, "db"), spec(A, "net"), spec(C, "general"), spec(B, "db"));

    var byCategory = r.byCategory();

    assertThat(byCategory.keySet()).containsExactly("db", "general", "net");
    assertThat(byCategory.get("db")).extracting(DaemonSpec::type).containsExactly(B, D);
    assertThat(byCategory.get("general")).extracting(DaemonSpec::type).containsExactly(C);
    assertThat(byCategory.get("net")).extracting(DaemonSpec::type).containsExactly(A, ZED);
    assertThat(r.byCategory("net")).extracting(DaemonSpec::type).containsExactly(A, ZED);
    assertThat(r.byCategory("nothing-here")).isEmpty();
    assertThatThrownBy(() -> byCategory.put("x", List.of()))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> byCategory.get("db").clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void typesAndSpecsKeepDeclarationOrder() {
    DaemonRegistry r = DaemonRegistry.of(spec(C), spec(A), spec(B));
    assertThat(r.types()).containsExactly(C, A, B);
    assertThat(r.specs()).extracting(DaemonSpec::type).containsExactly(C, A, B);
    assertThat(r.spec(ZED)).isEmpty();
  }

  @Test
  void withDependenciesClosesOverADiamond() {
    //     D
    //    / \
    //   B   C
    //    \ /
    //     A
    DaemonRegistry r = DaemonRegistry.of(spec(A), spec(B, A), spec(C, A), spec(D, B, C), spec(E));

    assertThat(r.withDependencies(List.of(D))).containsExactlyInAnyOrder(A, B, C, D);
    assertThat(r.withDependencies(List.of(B))).containsExactlyInAnyOrder(A, B);
    assertThat(r.withDependencies(List.of(A, E))).containsExactlyInAnyOrder(A, E);
    assertThat(r.withDependencies(List.of())).isEmpty();
  }

  @Test
  void withDependenciesKeepsUnknownTypesAndIsImmutable() {
    DaemonRegistry r = DaemonRegistry.of(spec(A), spec(B, A));
    Set<DaemonType> closed = r.withDependencies(List.of(B, ZED));
    assertThat(closed).containsExactlyInAnyOrder(A, B, ZED);
    assertThatThrownBy(() -> closed.add(C)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void withDependenciesTerminatesOnACycle() {
    DaemonRegistry r = DaemonRegistry.of(spec(A, B), spec(B, C), spec(C, A));
    assertThat(r.withDependencies(List.of(A))).containsExactlyInAnyOrder(A, B, C);
  }
}
