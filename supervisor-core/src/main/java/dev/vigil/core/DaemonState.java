package dev.vigil.core;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where a daemon is in its lifecycle. A daemon that was never started is {@link #STOPPED}.
 *
 * <pre>
 * STOPPED -> STARTING -> RUNNING -> STOPPING -> STOPPED
 *               |           |
 *               +-----+-----+--> BACKOFF -> STARTING   (restart)
 *                     +--------> FAILED  -> STOPPED    (restart budget spent; reset)
 * </pre>
 *
 * <p>{@link #RUNNING} means started <em>and</em> ready: a daemon whose readiness is signalled stays
 * {@link #STARTING} until it calls {@link DaemonContext#ready()}.
 */
public enum DaemonState {
  /** {@code start} is running, or it returned and readiness has not been signalled yet. */
  STARTING,
  /** Started and ready. */
  RUNNING,
  /** {@code stop} is running, bounded by the stop timeout. */
  STOPPING,
  /** Not running: never started, stopped, or exited normally. */
  STOPPED,
  /** Crashed; a restart is scheduled after a backoff delay. */
  BACKOFF,
  /** Crashed and not restarted any more; terminal until {@link DaemonManager#reset} is called. */
  FAILED;

  /** True for states in which an instance of the daemon may be executing code. */
  public boolean isActive() {
    return this == STARTING || this == RUNNING || this == STOPPING;
  }

  /** True for {@link #FAILED}: nothing but an operator's reset leaves it. */
  public boolean isTerminal() {
    return this == FAILED;
  }

  /** The states this one may legally move to. */
  public Set<DaemonState> successors() {
    return Collections.unmodifiableSet(successorSet());
  }

  private EnumSet<DaemonState> successorSet() {
    return switch (this) {
      case STOPPED -> EnumSet.of(STARTING);
      case STARTING -> EnumSet.of(RUNNING, STOPPING, STOPPED, BACKOFF, FAILED);
      case RUNNING -> EnumSet.of(STOPPING, STOPPED, BACKOFF, FAILED);
      case STOPPING -> EnumSet.of(STOPPED);
      case BACKOFF -> EnumSet.of(STARTING, STOPPED);
      case FAILED -> EnumSet.of(STOPPED);
    };
  }

  /** Legal moves as a bit mask per state, so the check on every transition allocates nothing. */
  private static final int[] SUCCESSOR_MASKS = new int[values().length];

  static {
    for (DaemonState s : values()) {
      for (DaemonState next : s.successorSet()) {
        SUCCESSOR_MASKS[s.ordinal()] |= 1 << next.ordinal();
      }
    }
  }

  /** True when a move from this state to {@code next} is legal. */
  public boolean canMoveTo(DaemonState next) {
    return (SUCCESSOR_MASKS[ordinal()] & (1 << next.ordinal())) != 0;
  }

  /** The lower-case name used on the wire. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
