package dev.vigil.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One declared probe: what to check ({@link Check}) and how often, how patiently and how much its
 * result matters. Immutable; made from config by {@link ProbeConfig}, which has checked every value.
 *
 * @param id unique name, used in dependencies, symptoms, metrics and output
 * @param check the kind and its parameters
 * @param interval the delay between the end of one run and the start of the next
 * @param timeout how long one run may take
 * @param jitter up to this much is added to each interval at random, so probes spread out
 * @param failureThreshold consecutive failed runs before the probe is reported unhealthy
 * @param successThreshold consecutive better runs before a worse status is left
 * @param degradedLatency a working target slower than this is degraded; empty for no limit
 * @param cost how expensive a run is; expensive and side-effecting probes never run in parallel
 * @param dependsOn probes that must be healthy for this one to run
 * @param severity whether the probe can make the whole unhealthy or only degraded
 * @param remediation what to do when it fails, shown with every result that is not healthy
 * @param redact environment variables whose values never appear in any output
 * @param credentials environment variables whose values this probe authenticates with; after an
 *     auth failure it waits until one of them changes
 */
record ProbeSpec(
    String id,
    Check check,
    Duration interval,
    Duration timeout,
    Duration jitter,
    int failureThreshold,
    int successThreshold,
    Optional<Duration> degradedLatency,
    Cost cost,
    List<String> dependsOn,
    Severity severity,
    String remediation,
    Set<String> redact,
    List<String> credentials) {

  ProbeSpec {
    dependsOn = List.copyOf(dependsOn);
    redact = Set.copyOf(redact);
    credentials = List.copyOf(credentials);
  }

  /** How much a run costs; the two dearest classes run one at a time. */
  enum Cost {
    FREE,
    CHEAP,
    EXPENSIVE,
    SIDE_EFFECTING;

    /** True for the classes that never run in parallel with each other. */
    boolean serial() {
      return this == EXPENSIVE || this == SIDE_EFFECTING;
    }

    String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Whether a probe's failure can make the whole unhealthy. */
  enum Severity {
    /** Counts fully in the roll-up. */
    REQUIRED,
    /** Can only make the roll-up degraded. */
    OPTIONAL;

    String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
