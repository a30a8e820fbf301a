package dev.vigil.bench;

import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonState;
import dev.vigil.core.DaemonType;
import dev.vigil.core.Profile;
import dev.vigil.core.ShutdownReport;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The {@code start-stop} and {@code dag} scenarios: how long a fresh manager takes to bring every
 * daemon of a registry to RUNNING, and then to shut them all down.
 *
 * <p>start_ms runs from {@code manager.start(profile)} to its future completing (every daemon
 * RUNNING); stop_ms from {@code manager.shutdown(...)} to its report. Building the specs and the
 * manager (registry validation, one cell per daemon) is not part of either and is reported as
 * build_ms.
 */
final class StartStopBench {
  static final int WARMUPS = 3;

  private StartStopBench() {}

  /**
   * One run's times.
   *
   * @param buildMs building the manager from the registry
   * @param startMs start request to all RUNNING
   * @param stopMs shutdown request to its report
   */
  record Run(double buildMs, double startMs, double stopMs) {}

  /** Three warm-up runs, then the measured fourth; each on a fresh registry and manager. */
  static Result run(String scenario, int n, int rep, Supplier<DaemonRegistry> registries) {
    Run cold = null;
    Run measured = null;
    for (int i = 0; i <= WARMUPS; i++) {
      DaemonRegistry registry = registries.get();
      Measure.quiesce();
      measured = once(registry);
      if (cold == null) {
        cold = measured;
      }
    }
    return new Result(scenario, n, rep)
        .put("start_ms", measured.startMs(), 2)
        .put("stop_ms", measured.stopMs(), 2)
        .put("cold_start_ms", cold.startMs(), 2)
        .put("cold_stop_ms", cold.stopMs(), 2)
        .put("build_ms", measured.buildMs(), 2);
  }

  /** Builds a manager for {@code registry}, starts every daemon, shuts down; checks both worked. */
  static Run once(DaemonRegistry registry) {
    Profile all = new Profile("bench", registry.types());
    long t0 = System.nanoTime();
    DaemonManager manager = DaemonManager.builder(registry).build();
    long t1 = System.nanoTime();
    await(manager.start(all));
    long t2 = System.nanoTime();
    // checked after the clock stopped: a benchmark that measured a failed start would be worthless
    for (DaemonType type : registry.types()) {
      DaemonState state = manager.info(type).state();
      if (state != DaemonState.RUNNING) {
        throw new IllegalStateException(type + " is " + state + " after start completed");
      }
    }
    long t3 = System.nanoTime();
    ShutdownReport report = await(manager.shutdown(Duration.ofSeconds(60)));
    long t4 = System.nanoTime();
    if (!report.clean() || report.stopped().size() != registry.types().size() + 2) {
      throw new IllegalStateException(
          "unclean shutdown: stopped "
              + report.stopped().size()
              + " of "
              + (registry.types().size() + 2)
              + ", unstopped "
              + report.unstopped());
    }
    return new Run(Measure.ms(t0, t1), Measure.ms(t1, t2), Measure.ms(t3, t4));
  }

  /** Waits for a manager future, bounded so a hung benchmark fails instead of running forever. */
  static <T> T await(java.util.concurrent.CompletableFuture<T> future) {
    try {
      return future.get(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException("manager request failed or timed out", e);
    }
  }
}
