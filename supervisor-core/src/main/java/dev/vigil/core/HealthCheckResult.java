package dev.vigil.core;

import java.util.Map;
import java.util.Objects;

/**
 * What a daemon's {@link Daemon#healthCheck()} reports.
 *
 * @param healthy true for {@link HealthStatus#HEALTHY} and {@link HealthStatus#DEGRADED}: the
 *     daemon is doing its job, perhaps partly
 * @param status the detailed status
 * @param message a short human-readable explanation, empty when there is nothing to say
 * @param details extra facts for status views (counts, last success, ...), immutable
 */
public record HealthCheckResult(
    boolean healthy, HealthStatus status, String message, Map<String, Object> details) {

  /** Checks that {@code healthy} agrees with {@code status} and copies the details. */
  public HealthCheckResult {
    Objects.requireNonNull(status, "status");
    message = message == null ? "" : message;
    details = details == null ? Map.of() : Map.copyOf(details);
    boolean expected = status == HealthStatus.HEALTHY || status == HealthStatus.DEGRADED;
    if (healthy != expected) {
      throw new IllegalArgumentException(
          "healthy=" + healthy + " contradicts status " + status.wireName());
    }
  }

  /** A result with this status, message and details. */
  public static HealthCheckResult of(
      HealthStatus status, String message, Map<String, Object> details) {
    return new HealthCheckResult(
        status == HealthStatus.HEALTHY || status == HealthStatus.DEGRADED,
        status,
        message,
        details);
  }

  /** Healthy, nothing to say. */
  public static HealthCheckResult ok() {
    return of(HealthStatus.HEALTHY, "", Map.of());
  }

  /** Healthy with a message. */
  public static HealthCheckResult ok(String message) {
    return of(HealthStatus.HEALTHY, message, Map.of());
  }

  /** Degraded: working with reduced function. */
  public static HealthCheckResult degraded(String message) {
    return of(HealthStatus.DEGRADED, message, Map.of());
  }

  /** Unhealthy: not doing its job. */
  public static HealthCheckResult unhealthy(String message) {
    return of(HealthStatus.UNHEALTHY, message, Map.of());
  }

  /** Unknown: not checked or not checkable. */
  public static HealthCheckResult unknown(String message) {
    return of(HealthStatus.UNKNOWN, message, Map.of());
  }

  /** A copy with these details. */
  public HealthCheckResult withDetails(Map<String, Object> moreDetails) {
    return new HealthCheckResult(healthy, status, message, moreDetails);
  }
}
