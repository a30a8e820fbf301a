package dev.vigil.core;

/**
 * A daemon whose work is one loop on its own virtual thread, until it is asked to stop. Implement
 * {@link #run}: loop while {@code !ctx.isStopping()}, and let blocking calls throw {@link
 * InterruptedException} when the thread is interrupted, which is how a stop reaches a loop that is
 * waiting. If {@code run} throws, the manager sees a crash; if it returns by itself (not because of
 * a stop), the manager sees a normal exit. With {@link ReadinessMode#SIGNALLED} the loop calls
 * {@link DaemonContext#ready()} once it is ready; a loop that must stay alive under a watchdog calls
 * {@link DaemonContext#heartbeat()} each round.
 */
public abstract class LoopDaemon implements Daemon {
  private volatile Thread loop;

  /** The loop. Runs once per instance on a virtual thread named after the daemon. */
  protected abstract void run(DaemonContext ctx) throws Exception;

  /** Runs before the loop starts, on the start thread; throwing fails the attempt. */
  protected void beforeLoop(DaemonContext ctx) throws Exception {}

  /** Runs after the loop has ended on a stop, on the stop thread. */
  protected void afterLoop(DaemonContext ctx) throws Exception {}

  @Override
  public final void start(DaemonContext ctx) throws Exception {
    beforeLoop(ctx);
    loop =
        DaemonThreads.start(
            ctx.type(),
            "loop",
            () -> {
              try {
                run(ctx);
                if (!ctx.isStopping()) {
                  ctx.complete();
                }
              } catch (InterruptedException e) {
                if (!ctx.isStopping()) {
                  ctx.fail(e);
                }
              } catch (Throwable t) {
                if (!ctx.isStopping()) {
                  ctx.fail(t);
                }
              }
            });
  }

  /** Interrupts the loop and waits for it to end; the manager bounds the wait by the stop timeout. */
  @Override
  public final void stop(DaemonContext ctx) throws Exception {
    Thread t = loop;
    if (t != null) {
      t.interrupt();
      t.join();
    }
    afterLoop(ctx);
  }
}
