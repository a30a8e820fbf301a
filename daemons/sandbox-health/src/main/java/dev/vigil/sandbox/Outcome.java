package dev.vigil.sandbox;

import dev.vigil.core.HealthStatus;
import java.util.Map;
import java.util.Objects;

/**
 * What one run of a probe found, before thresholds: its raw status, a category naming the kind of
 * failure ({@code null} when healthy), a sanitised one-line detail, how long the run took and a
 * few facts as evidence (JSON-friendly values only, secrets already removed).
 */
record Outcome(
    HealthStatus status, String category, String detail, long latencyNanos, Map<String, Object> evidence) {

  static final String CONFIG_ERROR = "config_error";
  static final String CONNECTION_ERROR = "connection_error";
  static final String AUTH_ERROR = "auth_error";
  static final String TIMEOUT = "timeout";
  static final String UNEXPECTED_STATUS = "unexpected_status";
  static final String UNEXPECTED_EXIT = "unexpected_exit";
  static final String ASSERTION_FAILED = "assertion_failed";
  static final String STALE = "stale";
  static final String SLOW = "slow";
  static final String PORT_CONFLICT = "port_conflict";
  static final String DISK_LOW = "disk_low";
  static final String SKIPPED = "skipped";
  static final String PROBE_ERROR = "probe_error";

  Outcome {
    Objects.requireNonNull(status, "status");
    detail = detail == null ? "" : detail;
    // immutable, so that the states made from it keep it as it is instead of copying it again
    evidence = evidence == null ? Map.of() : Map.copyOf(evidence);
  }

  static Outcome healthy(String detail) {
    return new Outcome(HealthStatus.HEALTHY, null, detail, 0, Map.of());
  }

  static Outcome of(HealthStatus status, String category, String detail) {
    return new Outcome(status, category, detail, 0, Map.of());
  }

  static Outcome unhealthy(String category, String detail) {
    return of(HealthStatus.UNHEALTHY, category, detail);
  }

  Outcome withLatency(long nanos) {
    return new Outcome(status, category, detail, nanos, evidence);
  }

  Outcome withEvidence(Map<String, Object> facts) {
    return new Outcome(status, category, detail, latencyNanos, facts);
  }

  Outcome with(HealthStatus newStatus, String newCategory, String newDetail) {
    return new Outcome(newStatus, newCategory, newDetail, latencyNanos, evidence);
  }
}
