package dev.vigil.core;

/**
 * A daemon that holds something open rather than doing periodic work: a server socket, a
 * connection pool, a subscription. Override {@link #onStart} to acquire it and {@link #onStop} to
 * release it; both run on manager-owned virtual threads and may block. It is RUNNING as soon as
 * {@code onStart} returns and healthy unless {@link #healthCheck()} is overridden.
 */
public abstract class IdleDaemon implements Daemon {

  /** Acquires what the daemon holds. Throwing fails the attempt. */
  protected void onStart(DaemonContext ctx) throws Exception {}

  /** Releases what the daemon holds; also called after a failed {@code onStart}. */
  protected void onStop(DaemonContext ctx) throws Exception {}

  @Override
  public final void start(DaemonContext ctx) throws Exception {
    onStart(ctx);
  }

  @Override
  public final void stop(DaemonContext ctx) throws Exception {
    onStop(ctx);
  }
}
