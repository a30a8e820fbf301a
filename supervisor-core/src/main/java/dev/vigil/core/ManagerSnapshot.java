package dev.vigil.core;

import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A consistent, immutable view of every daemon at one instant: taken on the manager's control
 * thread between two transitions, so no view mixes states from different moments. Status pages,
 * probes and metrics should render one snapshot.
 *
 * @param takenAt when it was taken
 * @param daemons every daemon's info, sorted by type
 * @param shuttingDown whether the manager is shutting down
 */
public record ManagerSnapshot(
    Instant takenAt, SortedMap<DaemonType, DaemonInfo> daemons, boolean shuttingDown) {

  /** Copies the map. */
  public ManagerSnapshot {
    daemons = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(daemons));
  }

  /** How many daemons are in each state. */
  public Map<DaemonState, Long> countByState() {
    Map<DaemonState, Long> counts = new java.util.EnumMap<>(DaemonState.class);
    for (DaemonInfo info : daemons.values()) {
      counts.merge(info.state(), 1L, Long::sum);
    }
    return counts;
  }
}
