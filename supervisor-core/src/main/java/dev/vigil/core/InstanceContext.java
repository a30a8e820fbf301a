package dev.vigil.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The context of one instance (one attempt) of a daemon. Its reports go to the supervisor as
 * messages stamped with this context, so reports from a superseded instance are recognised and
 * ignored.
 */
final class InstanceContext implements DaemonContext, Runnable {
  private static final VarHandle READY_SIGNALLED;
  private static final VarHandle EXITED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      READY_SIGNALLED = lookup.findVarHandle(InstanceContext.class, "readySignalled", boolean.class);
      EXITED = lookup.findVarHandle(InstanceContext.class, "exited", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Supervisor supervisor;
  final Cell cell;
  private final int attempt;
  // flags rather than AtomicBooleans: two objects less for every daemon that idles
  private volatile boolean readySignalled;
  private volatile boolean exited;
  volatile boolean stopping;
  volatile long lastBeatNanos;
  volatile Daemon daemon;
  volatile Thread startThread;
  volatile Thread stopThread;
  private Logger logger;

  InstanceContext(Supervisor supervisor, Cell cell, int attempt) {
    this.supervisor = supervisor;
    this.cell = cell;
    this.attempt = attempt;
  }

  @Override
  public DaemonType type() {
    return cell.type;
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public void ready() {
    if (READY_SIGNALLED.compareAndSet(this, false, true)) {
      supervisor.post(() -> supervisor.onReadySignalled(this));
    }
  }

  boolean readySignalled() {
    return readySignalled;
  }

  @Override
  public void heartbeat() {
    lastBeatNanos = supervisor.scheduler().nanoTime();
  }

  @Override
  public void fail(Throwable cause) {
    java.util.Objects.requireNonNull(cause, "cause");
    if (EXITED.compareAndSet(this, false, true)) {
      supervisor.post(() -> supervisor.onExit(this, cause));
    }
  }

  @Override
  public void complete() {
    if (EXITED.compareAndSet(this, false, true)) {
      supervisor.post(() -> supervisor.onExit(this, null));
    }
  }

  @Override
  public boolean isStopping() {
    return stopping;
  }

  @Override
  public <C> C config(Class<C> type) {
    Object config =
        cell.spec
            .config()
            .orElseThrow(
                () -> new IllegalStateException("daemon " + cell.type + " has no configuration"));
    if (!type.isInstance(config)) {
      throw new IllegalStateException(
          "daemon "
              + cell.type
              + " has configuration of type "
              + config.getClass().getName()
              + ", not "
              + type.getName());
    }
    return type.cast(config);
  }

  @Override
  public EventBus events() {
    return supervisor.events();
  }

  @Override
  public Clock clock() {
    return supervisor.clock();
  }

  @Override
  public Scheduler scheduler() {
    return supervisor.scheduler();
  }

  @Override
  public Thread startThread(String role, Runnable body) {
    return DaemonThreads.start(cell.type, role, body);
  }

  @Override
  public synchronized Logger logger() {
    if (logger == null) {
      logger = LoggerFactory.getLogger("dev.vigil.daemon." + cell.type.name());
    }
    return logger;
  }

  /**
   * The health-interval timer's task: posts this instance's next health check. The context itself
   * is the task, so a daemon waiting for its next check holds no extra objects.
   */
  @Override
  public void run() {
    supervisor.post(() -> supervisor.runHealthCheck(this));
  }

  void interruptThreads() {
    Thread t = startThread;
    if (t != null) {
      t.interrupt();
    }
    t = stopThread;
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public String toString() {
    return cell.type + "#" + attempt;
  }
}
