package dev.vigil.bench;

import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.Profile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code footprint} scenario: what N idle daemons cost while RUNNING. Live heap is read after
 * garbage collection settles, before the registry is built and again with every daemon RUNNING;
 * the difference over N is heap_per_daemon_b, split into the specs and registry the user builds
 * (spec_b) and what the manager adds (manager_b). RSS comes from /proc/self/status, and
 * platform_threads is {@link ThreadMXBean#getThreadCount()}, which counts platform threads only.
 */
final class FootprintBench {
  private FootprintBench() {}

  static Result run(int n, int rep) {
    // warm-ups as in the other scenarios: classes loaded, code compiled, heap regions touched
    for (int i = 0; i < StartStopBench.WARMUPS; i++) {
      StartStopBench.once(Registries.idle(n));
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long heap0 = Measure.settledLiveHeap();
    long rss0 = Measure.rssBytes();
    int threads0 = threads.getThreadCount();

    DaemonRegistry registry = Registries.idle(n);
    long heapSpecs = Measure.settledLiveHeap();
    threads.resetPeakThreadCount();
    DaemonManager manager = DaemonManager.builder(registry).build();
    StartStopBench.await(manager.start(new Profile("bench", registry.types())));
    // the start threads end just after reporting back; let them go before counting
    Measure.sleep(200);
    long heap1 = Measure.settledLiveHeap();
    long rss1 = Measure.rssBytes();
    int threads1 = threads.getThreadCount();
    int peak = threads.getPeakThreadCount();
    if (Boolean.getBoolean("bench.verbose")) {
      System.err.println("platform threads while RUNNING: " + platformThreadNames());
    }
    Reference.reachabilityFence(registry);
    StartStopBench.await(manager.shutdown(Duration.ofSeconds(60)));

    return new Result("footprint", n, rep)
        .put("heap_per_daemon_b", (heap1 - heap0) / n)
        .put("rss_delta_mb", (rss1 - rss0) / (1024.0 * 1024.0), 1)
        .put("platform_threads", threads1)
        .put("spec_b", (heapSpecs - heap0) / n)
        .put("manager_b", (heap1 - heapSpecs) / n)
        .put("platform_threads_base", threads0)
        .put("platform_threads_peak", peak);
  }

  /** Names of live platform threads with their counts, for the record. */
  private static Map<String, Integer> platformThreadNames() {
    Map<String, Integer> names = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      names.merge(t.getName().replaceAll("\\d+", "#"), 1, Integer::sum);
    }
    return names;
  }
}
