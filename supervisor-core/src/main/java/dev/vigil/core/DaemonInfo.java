package dev.vigil.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A point-in-time view of one daemon, immutable.
 *
 * @param type the daemon
 * @param category its category
 * @param state its lifecycle state
 * @param health the last health result the watchdog accepted (unknown unless RUNNING)
 * @param restartCount restarts since the manager was built
 * @param attempt restarts in a row counted against the restart budget; a run of at least the
 *     policy's {@code resetAfter} forgets them when the daemon next exits
 * @param lastError the last crash, if any
 * @param startedAt when the current instance became RUNNING, if it is
 * @param lastFailureAt when it last crashed, if ever
 * @param nextRestartAt when the pending restart is due, while in BACKOFF
 * @param currentBackoff the delay of the pending restart, while in BACKOFF
 * @param waitingOn why a requested start has not happened yet ("waiting on X: FAILED"), if it has not
 * @param critical whether the daemon is critical for the node's probes
 * @param lastHealthCheckDuration how long the last completed health check took (a timed-out one
 *     counts its timeout), if one has run
 */
public record DaemonInfo(
    DaemonType type,
    String category,
    DaemonState state,
    HealthCheckResult health,
    int restartCount,
    int attempt,
    Optional<ErrorInfo> lastError,
    Optional<Instant> startedAt,
    Optional<Instant> lastFailureAt,
    Optional<Instant> nextRestartAt,
    Optional<Duration> currentBackoff,
    Optional<String> waitingOn,
    boolean critical,
    Optional<Duration> lastHealthCheckDuration) {

  /** How long the current instance has been RUNNING at {@code now}, zero when it is not. */
  public Duration uptime(Instant now) {
    return startedAt.map(s -> Duration.between(s, now)).orElse(Duration.ZERO);
  }
}
