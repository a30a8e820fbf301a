package dev.vigil.core;

/**
 * What a daemon implements. The manager makes a fresh instance through the spec's factory for
 * every attempt, so an instance is started at most once and never reused after a crash.
 *
 * <p>All three methods are called on virtual threads owned by the manager, never on its control
 * thread, and never concurrently with each other for one instance except {@link #healthCheck()},
 * which may run while the daemon is running. They may block; the manager bounds each one by the
 * timeout in the spec and interrupts it when it overruns.
 *
 * <p>Most daemons extend a skeleton instead: {@link PollingDaemon}, {@link LoopDaemon} or {@link
 * IdleDaemon}.
 */
public interface Daemon {

  /**
   * Starts the daemon. Called once per instance. With {@link ReadinessMode#ON_RETURN} the daemon is
   * RUNNING when this returns; with {@link ReadinessMode#SIGNALLED} it stays STARTING until it calls
   * {@link DaemonContext#ready()}. Background work the daemon starts reports a crash through {@link
   * DaemonContext#fail(Throwable)} and a normal end through {@link DaemonContext#complete()}.
   *
   * @throws Exception to report that the start failed; the restart policy decides what follows
   */
  void start(DaemonContext ctx) throws Exception;

  /**
   * Stops the daemon and releases what {@code start} took. Called once per instance whose {@code
   * start} was called, also after a failed or timed-out start and after a crash, so it must
   * tolerate a partial start. {@link DaemonContext#isStopping()} is already true when it runs.
   *
   * @throws Exception logged with the daemon's name; the daemon is STOPPED all the same
   */
  default void stop(DaemonContext ctx) throws Exception {}

  /**
   * Reports how the daemon is doing. Called by the watchdog every health interval while RUNNING,
   * on its own virtual thread, bounded by the health timeout: a check that throws or overruns
   * counts as {@link HealthStatus#UNHEALTHY}. It should be cheap and must not change state.
   */
  default HealthCheckResult healthCheck() throws Exception {
    return HealthCheckResult.ok();
  }
}
