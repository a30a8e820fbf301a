package dev.vigil.sandbox;

import dev.vigil.core.HealthStatus;

/**
 * How bad a status is for probes and their roll-up: healthy &lt; degraded &lt; unknown &lt;
 * unhealthy. Unknown sits below unhealthy because a probe that could not be evaluated says less
 * than one that saw its target fail (the core ranks unknown last for daemons, where it means "not
 * running").
 */
final class Rank {
  private Rank() {}

  static int of(HealthStatus s) {
    return switch (s) {
      case HEALTHY -> 0;
      case DEGRADED -> 1;
      case UNKNOWN -> 2;
      case UNHEALTHY -> 3;
    };
  }

  static HealthStatus worst(HealthStatus a, HealthStatus b) {
    return of(a) >= of(b) ? a : b;
  }
}
