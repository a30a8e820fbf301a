package dev.vigil.core;

/**
 * A failure the supervisor detected itself, rather than one the daemon threw: it did not become
 * ready in time, failed its health checks past the threshold, or missed its heartbeat. Shown as a
 * daemon's last error and handed to the restart policy like any crash.
 */
public final class DaemonFault extends Exception {
  private final Kind kind;

  DaemonFault(Kind kind, String message) {
    super(message, null, false, true);
    this.kind = kind;
  }

  /** What was detected. */
  public Kind kind() {
    return kind;
  }

  /** What the supervisor detected. */
  public enum Kind {
    /** Start plus readiness took longer than the start timeout. */
    START_TIMEOUT,
    /** Health checks failed the failure threshold in a row (liveness). */
    UNHEALTHY,
    /** No heartbeat within the watchdog timeout. */
    MISSED_HEARTBEAT
  }
}
