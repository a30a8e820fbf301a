package dev.vigil.core;

import java.time.Duration;

/**
 * The one source of timers and monotonic time for a manager and its daemons. Injected, so that
 * tests run timeouts and backoff in virtual time (see {@code dev.vigil.core.testkit}).
 *
 * <p>Tasks run on the scheduler's own thread: they must be short and must not block; daemon work
 * they trigger is handed to another thread.
 */
public interface Scheduler {

  /** Runs {@code task} once after {@code delay} (zero or negative runs it as soon as possible). */
  Cancellable schedule(Duration delay, Runnable task);

  /** Monotonic time in nanoseconds, for measuring durations only. */
  long nanoTime();

  /** A scheduled task that can be called off. */
  interface Cancellable {
    /** Calls the task off if it has not run yet; returns false if it already ran or was called off. */
    boolean cancel();
  }
}
