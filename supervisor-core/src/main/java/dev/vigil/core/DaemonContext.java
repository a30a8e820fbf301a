package dev.vigil.core;

import java.time.Clock;
import org.slf4j.Logger;

/**
 * What the manager hands one instance of a daemon. It is valid for that instance only: once the
 * instance is stopped or has crashed, its calls to {@link #ready()}, {@link #fail}, {@link
 * #complete()} and {@link #heartbeat()} are ignored, so a stale thread cannot disturb its successor.
 * All methods are thread-safe and never block.
 */
public interface DaemonContext {

  /** The daemon this context belongs to. */
  DaemonType type();

  /** The 1-based attempt number of this instance since the daemon was last started by request. */
  int attempt();

  /** Signals readiness: a daemon with {@link ReadinessMode#SIGNALLED} becomes RUNNING. */
  void ready();

  /** Tells the watchdog the daemon is alive; needed when its spec sets a watchdog timeout. */
  void heartbeat();

  /**
   * Reports that the daemon's background work crashed. The manager stops the instance and applies
   * the restart policy.
   */
  void fail(Throwable cause);

  /**
   * Reports that the daemon's work ended normally. A {@link RestartType#PERMANENT} daemon is
   * restarted all the same; transient and temporary ones become STOPPED.
   */
  void complete();

  /** True once the manager has asked this instance to stop (or abandoned it after a crash). */
  boolean isStopping();

  /**
   * The daemon's typed configuration, as given to {@link DaemonSpec.Builder#config(Object)}.
   *
   * @throws IllegalStateException if the spec has no configuration or it is not a {@code type}
   */
  <C> C config(Class<C> type);

  /** The in-process event bus shared by all daemons of this manager. */
  EventBus events();

  /** The wall clock; injected so tests control time. */
  Clock clock();

  /** The timer source; injected so tests control time. Tasks must be short and not block. */
  Scheduler scheduler();

  /** A logger named after the daemon. */
  Logger logger();

  /**
   * Starts {@code body} on a new virtual thread named {@code TYPE-role} that carries the daemon's
   * name in the logging MDC (key {@code daemon}), as the threads the manager runs the daemon on do:
   * for work the daemon forks itself (a probe, a connection), so its log lines say whose they are.
   */
  Thread startThread(String role, Runnable body);
}
