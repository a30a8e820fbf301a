package dev.vigil.bench;

import dev.vigil.core.DaemonContext;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.IdleDaemon;
import dev.vigil.core.LifecycleEvent;
import dev.vigil.core.LifecycleListener;
import dev.vigil.core.Profile;
import dev.vigil.core.RestartPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code restart} scenario: N running daemons, 1,000 crashes of random ones, one at a time,
 * each timed from just before {@link DaemonContext#fail} until a {@link LifecycleListener} sees the
 * replacement instance's {@link LifecycleEvent.Running}. Backoff is zero and jitter off, so the
 * figure is the supervisor's own crash-to-running path: the crash message, stopping the dead
 * instance, the restart decision, starting a fresh instance and delivering the event.
 */
final class RestartBench {
  static final int CRASHES = 1_000;
  static final RestartPolicy ZERO_BACKOFF =
      RestartPolicy.defaults()
          .withBackoff(Duration.ZERO, Duration.ZERO, 1.0)
          .withJitter(0)
          .withUnlimitedAttempts();

  private RestartBench() {}

  /**
   * A daemon that publishes its context, so the benchmark can crash exactly this instance. A fresh
   * instance overwrites the slot in {@code onStart}, before it counts as RUNNING.
   */
  static final class Crashable extends IdleDaemon {
    private final AtomicReferenceArray<DaemonContext> slots;
    private final int index;

    Crashable(AtomicReferenceArray<DaemonContext> slots, int index) {
      this.slots = slots;
      this.index = index;
    }

    @Override
    protected void onStart(DaemonContext ctx) {
      slots.set(index, ctx);
    }
  }

  /**
   * Completes the expected daemon's future with the time it saw that daemon RUNNING. The clock is
   * read on the listener's own thread, so waking the benchmark thread is not part of the figure.
   */
  static final class RunningProbe implements LifecycleListener {
    private volatile CompletableFuture<Long> pending;
    private volatile DaemonType expected;

    CompletableFuture<Long> expect(DaemonType type) {
      CompletableFuture<Long> f = new CompletableFuture<>();
      pending = f;
      expected = type;
      return f;
    }

    @Override
    public void onEvent(LifecycleEvent event) {
      long now = System.nanoTime();
      if (event instanceof LifecycleEvent.Running r && r.type().equals(expected)) {
        pending.complete(now);
      }
    }
  }

  /** Three warm-up runs, then the measured fourth; each on a fresh manager. */
  static Result run(int n, int rep) {
    long[] cold = null;
    long[] measured = null;
    for (int i = 0; i <= StartStopBench.WARMUPS; i++) {
      measured = once(n, 1_000L * rep + i);
      if (cold == null) {
        cold = measured;
      }
    }
    return new Result("restart", n, rep)
        .put("p50_us", Measure.percentile(measured, 50) / 1e3, 1)
        .put("p99_us", Measure.percentile(measured, 99) / 1e3, 1)
        .put("max_us", Measure.percentile(measured, 100) / 1e3, 1)
        .put("p90_us", Measure.percentile(measured, 90) / 1e3, 1)
        .put("cold_p50_us", Measure.percentile(cold, 50) / 1e3, 1)
        .put("cold_p99_us", Measure.percentile(cold, 99) / 1e3, 1);
  }

  /** Starts {@code n} crashable daemons, crashes 1,000 of them one at a time; nanos per crash. */
  static long[] once(int n, long seed) {
    AtomicReferenceArray<DaemonContext> slots = new AtomicReferenceArray<>(n);
    List<DaemonSpec> specs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int index = i;
      specs.add(
          DaemonSpec.builder(Registries.type(i), () -> new Crashable(slots, index))
              .restartPolicy(ZERO_BACKOFF)
              .build());
    }
    DaemonRegistry registry = DaemonRegistry.of(specs);
    DaemonManager manager = DaemonManager.builder(registry).build();
    StartStopBench.await(manager.start(new Profile("bench", registry.types())));
    Measure.quiesce();

    long[] samples = new long[CRASHES];
    RunningProbe probe = new RunningProbe();
    SplittableRandom random = new SplittableRandom(seed);
    DaemonManager.AutoCloseableListener listening = manager.addListener(probe);
    try {
      for (int k = 0; k < CRASHES; k++) {
        int i = random.nextInt(n);
        DaemonContext ctx = slots.get(i);
        // made before the clock starts: filling in a stack trace is the crashing code's cost
        RuntimeException crash = new RuntimeException("benchmark crash " + k);
        CompletableFuture<Long> running = probe.expect(ctx.type());
        long t0 = System.nanoTime();
        ctx.fail(crash);
        long t1 = get(running, ctx.type());
        samples[k] = t1 - t0;
        if (slots.get(i) == ctx) {
          throw new IllegalStateException(ctx.type() + " is RUNNING with the crashed instance");
        }
      }
    } finally {
      listening.close();
    }
    StartStopBench.await(manager.shutdown(Duration.ofSeconds(60)));
    return samples;
  }

  private static long get(CompletableFuture<Long> running, DaemonType type) {
    try {
      return running.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(type + " was not RUNNING again within 10 s of its crash", e);
    }
  }
}
