package dev.vigil.core;

import java.util.List;

/**
 * How a shutdown ended.
 *
 * @param stopped daemons stopped within their stop timeouts, in the order they stopped
 * @param unstopped daemons abandoned: their stop overran its timeout or the overall deadline
 */
public record ShutdownReport(List<DaemonType> stopped, List<DaemonType> unstopped) {

  /** Copies the lists. */
  public ShutdownReport {
    stopped = List.copyOf(stopped);
    unstopped = List.copyOf(unstopped);
  }

  /** True when every daemon stopped in time. */
  public boolean clean() {
    return unstopped.isEmpty();
  }
}
