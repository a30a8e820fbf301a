package dev.vigil.core;

/** When a starting daemon counts as ready, and so RUNNING. */
public enum ReadinessMode {
  /** Ready as soon as {@link Daemon#start} returns without throwing. */
  ON_RETURN,
  /** Ready when the daemon calls {@link DaemonContext#ready()}, within the start timeout. */
  SIGNALLED
}
