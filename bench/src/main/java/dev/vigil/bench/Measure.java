package dev.vigil.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Measuring helpers shared by the scenarios: time, live heap, resident memory, percentiles. */
final class Measure {
  private Measure() {}

  /** Milliseconds between two {@link System#nanoTime()} readings. */
  static double ms(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1e6;
  }

  /**
   * Collects garbage until the live heap stops shrinking, so the next run starts from the same
   * place and a heap reading counts live objects only. A single {@code System.gc()} can leave
   * objects whose finalisation or reference processing frees more on the next cycle.
   */
  static long settledLiveHeap() {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      sleep(50);
      long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (used >= best) {
        return best;
      }
      best = used;
    }
    return best;
  }

  /** Collects garbage before a timed run, so one run's garbage is not collected in the next. */
  static void quiesce() {
    System.gc();
    sleep(100);
  }

  /** The process's resident set in bytes, from {@code /proc/self/status} (VmRSS); -1 if unknown. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
          return Long.parseLong(kb) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** The nearest-rank percentile {@code p} (0 to 100) of {@code values}, which it sorts. */
  static long percentile(long[] values, double p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
