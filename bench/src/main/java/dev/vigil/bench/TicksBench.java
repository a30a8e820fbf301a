package dev.vigil.bench;

import dev.vigil.core.DaemonContext;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.PollingDaemon;
import dev.vigil.core.Profile;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@code ticks} scenario: N polling daemons, each polling once a second with the default
 * ±10 % jitter, polls that do nothing. After a 5 s warm-up, the process CPU time (JIT compiler
 * and GC threads included) over 5 s of wall time, as a percentage of one core. The polls counted
 * in the window show the rate was really reached.
 */
final class TicksBench {
  static final Duration WARMUP = Duration.ofSeconds(5);
  static final Duration WINDOW = Duration.ofSeconds(5);

  private TicksBench() {}

  /** A poller whose poll only counts itself, so the figure is the supervisor's tick machinery. */
  static final class Ticker extends PollingDaemon {
    private final LongAdder polls;

    Ticker(LongAdder polls, Collection<Ticker> all) {
      super(PollSchedule.every(Duration.ofSeconds(1)));
      this.polls = polls;
      all.add(this);
    }

    long skipped() {
      return skippedTicks();
    }

    @Override
    protected void poll(DaemonContext ctx) {
      polls.increment();
    }
  }

  static Result run(int n, int rep) {
    LongAdder polls = new LongAdder();
    // every instance, to read its skipped-tick count: a tick skipped is a poll that did not run
    Collection<Ticker> tickers = new ConcurrentLinkedQueue<>();
    List<DaemonSpec> specs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      specs.add(DaemonSpec.builder(Registries.type(i), () -> new Ticker(polls, tickers)).build());
    }
    DaemonRegistry registry = DaemonRegistry.of(specs);
    DaemonManager manager = DaemonManager.builder(registry).build();
    long t0 = System.nanoTime();
    StartStopBench.await(manager.start(new Profile("bench", registry.types())));
    double startMs = Measure.ms(t0, System.nanoTime());
    Measure.sleep(WARMUP.toMillis());

    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long wall0 = System.nanoTime();
    long polls0 = polls.sum();
    long skipped0 = skipped(tickers);
    long gc0 = gcMillis();
    long jit0 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    Measure.sleep(WINDOW.toMillis());
    long cpu1 = os.getProcessCpuTime();
    long wall1 = System.nanoTime();
    long polls1 = polls.sum();
    long skipped1 = skipped(tickers);
    long gc1 = gcMillis();
    long jit1 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    StartStopBench.await(manager.shutdown(Duration.ofSeconds(60)));

    double wallS = (wall1 - wall0) / 1e9;
    return new Result("ticks", n, rep)
        .put("cpu_pct", 100.0 * (cpu1 - cpu0) / (wall1 - wall0), 1)
        .put("polls_per_s", (polls1 - polls0) / wallS, 0)
        .put("skipped_per_s", (skipped1 - skipped0) / wallS, 0)
        .put("cpu_us_per_poll", (cpu1 - cpu0) / 1e3 / Math.max(1, polls1 - polls0), 2)
        .put("gc_ms", gc1 - gc0)
        .put("jit_ms", jit1 - jit0)
        .put("start_ms", startMs, 1);
  }

  private static long skipped(Collection<Ticker> tickers) {
    long total = 0;
    for (Ticker t : tickers) {
      total += t.skipped();
    }
    return total;
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }
}
