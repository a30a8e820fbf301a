package dev.vigil.bench;

import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.IdleDaemon;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;

/** The daemon registries the scenarios run. Built outside every timed section. */
final class Registries {
  private Registries() {}

  /** A daemon that does nothing: start and stop return at once, so only the supervisor is timed. */
  static final class Trivial extends IdleDaemon {}

  /** {@code D_<i>}. */
  static DaemonType type(int i) {
    return DaemonType.of("D_" + i);
  }

  /** {@code n} independent trivial daemons with default specs. */
  static DaemonRegistry idle(int n) {
    List<DaemonSpec> specs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      specs.add(DaemonSpec.builder(type(i), Trivial::new).build());
    }
    return DaemonRegistry.of(specs);
  }

  /**
   * {@code levels * width} trivial daemons in layers: each daemon below the first layer depends on
   * {@code fanIn} distinct daemons of the layer above, chosen at random with a fixed seed so every
   * repetition runs the same graph.
   */
  static DaemonRegistry dag(int levels, int width, int fanIn, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<DaemonSpec> specs = new ArrayList<>(levels * width);
    for (int level = 0; level < levels; level++) {
      for (int i = 0; i < width; i++) {
        DaemonSpec.Builder b = DaemonSpec.builder(dagType(level, i), Trivial::new);
        if (level > 0) {
          // distinct parents: a Floyd sample of fanIn indices out of width
          int[] picked = sample(random, width, fanIn);
          for (int parent : picked) {
            b.dependsOn(dagType(level - 1, parent));
          }
        }
        specs.add(b.build());
      }
    }
    DaemonRegistry registry = DaemonRegistry.of(specs);
    List<String> problems = registry.validate();
    if (!problems.isEmpty()) {
      throw new IllegalStateException("benchmark DAG is invalid: " + problems);
    }
    return registry;
  }

  private static DaemonType dagType(int level, int i) {
    return DaemonType.of("L" + level + "_D" + i);
  }

  /** {@code k} distinct integers in [0, bound), by Robert Floyd's sampling algorithm. */
  private static int[] sample(SplittableRandom random, int bound, int k) {
    LinkedHashSet<Integer> chosen = new LinkedHashSet<>();
    for (int j = bound - k; j < bound; j++) {
      int t = random.nextInt(j + 1);
      if (!chosen.add(t)) {
        chosen.add(j);
      }
    }
    return chosen.stream().mapToInt(Integer::intValue).toArray();
  }
}
