package dev.vigil.core;

import java.util.Locale;

/** The outcome of a health check, ordered from best to worst except {@link #UNKNOWN}. */
public enum HealthStatus {
  /** Working as intended. */
  HEALTHY,
  /** Working with reduced function; never causes a restart. */
  DEGRADED,
  /** Not working; past the failure threshold it restarts the daemon through its policy. */
  UNHEALTHY,
  /** Not checked yet, or not checkable (the daemon is not running). */
  UNKNOWN;

  /** The lower-case name used on the wire ({@code healthy}, {@code degraded}, ...). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name, case-insensitively. */
  public static HealthStatus fromWire(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT));
  }
}
