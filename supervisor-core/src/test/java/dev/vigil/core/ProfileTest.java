package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProfileTest {
  static final DaemonType DB = DaemonType.of("DB");
  static final DaemonType CACHE = DaemonType.of("CACHE");
  static final DaemonType API = DaemonType.of("API");
  static final DaemonType WORKER = DaemonType.of("WORKER");
  static final DaemonType METRICS = DaemonType.of("METRICS");

  /** API -> CACHE -> DB, WORKER -> DB, METRICS alone. */
  private static final DaemonRegistry REGISTRY =
      DaemonRegistry.of(
          spec(DB), spec(CACHE, DB), spec(API, CACHE), spec(WORKER, DB), spec(METRICS));

  private static DaemonSpec spec(DaemonType type, DaemonType... deps) {
    return DaemonSpec.builder(type, () -> new IdleDaemon() {}).dependsOn(deps).build();
  }

  @Test
  void closedOverAddsTransitiveDependencies() {
    Profile p = Profile.of("frontend", API).closedOver(REGISTRY);

    assertThat(p.name()).isEqualTo("frontend");
    assertThat(p.types()).containsExactlyInAnyOrder(API, CACHE, DB);
  }

  @Test
  void closedOverUnionsSeveralRoots() {
    Profile p = Profile.of("all-but-metrics", API, WORKER).closedOver(REGISTRY);
    assertThat(p.types()).containsExactlyInAnyOrder(API, CACHE, DB, WORKER);
  }

  @Test
  void closedOverOfAClosedProfileChangesNothing() {
    Profile once = Profile.of("p", API).closedOver(REGISTRY);
    assertThat(once.closedOver(REGISTRY)).isEqualTo(once);
    assertThat(Profile.of("m", METRICS).closedOver(REGISTRY).types()).containsExactly(METRICS);
  }

  @Test
  void unknownDaemonFailsNamingItAndTheKnownOnes() {
    DaemonType ghost = DaemonType.of("GHOST");
    assertThatThrownBy(() -> Profile.of("worker", WORKER, ghost).closedOver(REGISTRY))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage(
            "profile worker: unknown daemon GHOST (known: API, CACHE, DB, METRICS, WORKER)");
  }

  @Test
  void everyUnknownDaemonIsReportedSorted() {
    InvalidSpecException e =
        catchThrowableOfType(
            InvalidSpecException.class,
            () ->
                Profile.of("x", DaemonType.of("ZULU"), DB, DaemonType.of("ALPHA"))
                    .closedOver(REGISTRY));

    assertThat(e.problems())
        .containsExactly(
            "profile x: unknown daemon ALPHA (known: API, CACHE, DB, METRICS, WORKER)",
            "profile x: unknown daemon ZULU (known: API, CACHE, DB, METRICS, WORKER)");
  }

  @Test
  void typesAreCopiedAndImmutable() {
    Set<DaemonType> source = new HashSet<>(Set.of(API));
    Profile p = new Profile("p", source);
    source.add(DB);

    assertThat(p.types()).containsExactly(API);
    assertThatThrownBy(() -> p.types().add(DB)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void nameIsRequired() {
    assertThatThrownBy(() -> new Profile(null, Set.of())).isInstanceOf(NullPointerException.class);
  }

  @Test
  void anEmptyProfileClosesToAnEmptyOne() {
    assertThat(Profile.of("empty").closedOver(REGISTRY).types()).isEmpty();
  }
}
