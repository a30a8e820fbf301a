package dev.vigil.core;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A daemon whose behaviour a test scripts and changes while it runs. One {@code Scripted} stands for
 * one daemon type and records every instance its factory made, in order.
 */
final class Scripted {
  /** One step of a script: may block or throw. */
  interface Step {
    void run(DaemonContext ctx) throws Exception;
  }

  /** Ties start and stop calls of all daemons of a test into one order. */
  static final class Order {
    final List<String> calls = new CopyOnWriteArrayList<>();
  }

  final DaemonType type;
  private final Order order;
  volatile Step onStart = ctx -> {};
  volatile Step onStop = ctx -> {};
  volatile Callable<HealthCheckResult> health = HealthCheckResult::ok;
  final List<Instance> instances = new CopyOnWriteArrayList<>();
  final AtomicInteger healthChecks = new AtomicInteger();
  /** Checks that returned or threw (a hung one never does). */
  final AtomicInteger healthChecksAnswered = new AtomicInteger();

  Scripted(DaemonType type, Order order) {
    this.type = type;
    this.order = order;
  }

  Supplier<Daemon> factory() {
    return () -> {
      Instance i = new Instance();
      instances.add(i);
      return i;
    };
  }

  Instance last() {
    return instances.get(instances.size() - 1);
  }

  DaemonContext ctx() {
    return last().ctx;
  }

  final class Instance implements Daemon {
    volatile DaemonContext ctx;
    volatile boolean started;
    volatile boolean stopped;
    volatile boolean startInterrupted;

    @Override
    public void start(DaemonContext ctx) throws Exception {
      this.ctx = ctx;
      order.calls.add("start " + type);
      try {
        onStart.run(ctx);
      } catch (InterruptedException e) {
        startInterrupted = true;
        throw e;
      }
      started = true;
    }

    @Override
    public void stop(DaemonContext ctx) throws Exception {
      order.calls.add("stop " + type);
      onStop.run(ctx);
      stopped = true;
    }

    @Override
    public HealthCheckResult healthCheck() throws Exception {
      healthChecks.incrementAndGet();
      try {
        return health.call();
      } finally {
        healthChecksAnswered.incrementAndGet();
      }
    }
  }
}
