package dev.vigil.sandbox;

import dev.vigil.core.Scheduler;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * The schedule of one daemon instance: a first round of every probe in dependency order, then each
 * probe again its interval (plus jitter) after its previous run ended, so a probe never overlaps
 * itself. Timers come from the manager's {@link Scheduler}, so tests drive it in virtual time;
 * runs happen on virtual threads. {@link #stop()} cancels the timers and interrupts the runs.
 */
final class ProbeLoop {
  private final ProbeRunner runner;
  private final ProbeBook book;
  private final Scheduler scheduler;
  private final Random random;
  private final Logger log;
  private final Map<String, Scheduler.Cancellable> timers = new ConcurrentHashMap<>();
  private final Set<Thread> running = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  ProbeLoop(ProbeRunner runner, ProbeBook book, Scheduler scheduler, Random random, Logger log) {
    this.runner = runner;
    this.book = book;
    this.scheduler = scheduler;
    this.random = random;
    this.log = log;
  }

  /** Starts the first round; returns at once. */
  void start() {
    spawn("probe-first-round", () -> {
      runner.runAll(false);
      book.probes().forEach(this::scheduleNext);
    });
  }

  /** Cancels every timer and interrupts every run in progress. */
  void stop() {
    stopped = true;
    timers.values().forEach(Scheduler.Cancellable::cancel);
    running.forEach(Thread::interrupt);
  }

  private void scheduleNext(ProbeSpec spec) {
    if (stopped) {
      return;
    }
    long jitterNanos = spec.jitter().isZero() ? 0 : (long) (random.nextDouble() * spec.jitter().toNanos());
    Duration delay = spec.interval().plusNanos(jitterNanos);
    timers.put(spec.id(), scheduler.schedule(delay, () -> due(spec)));
  }

  /** On the scheduler's thread: hand the run to a virtual thread at once. */
  private void due(ProbeSpec spec) {
    spawn("probe-" + spec.id(), () -> {
      try {
        runner.runOnce(spec, false);
      } finally {
        scheduleNext(spec);
      }
    });
  }

  private interface Work {
    void run() throws Exception;
  }

  private void spawn(String name, Work work) {
    if (stopped) {
      return;
    }
    runner.threads().start(name, () -> {
      running.add(Thread.currentThread());
      try {
        if (!stopped) {
          work.run();
        }
      } catch (InterruptedException e) {
        // stopping
      } catch (Exception e) {
        log.error("{} failed", name, e);
      } finally {
        running.remove(Thread.currentThread());
      }
    });
  }
}
