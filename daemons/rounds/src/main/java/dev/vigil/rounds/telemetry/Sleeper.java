package dev.vigil.rounds.telemetry;

import java.time.Duration;

/** Waits between retries; injected so tests run backoff without waiting. */
@FunctionalInterface
interface Sleeper {
  /** Blocks the calling thread for {@code duration}. */
  void sleep(Duration duration) throws InterruptedException;

  /** The real thing: {@link Thread#sleep(Duration)}. */
  static Sleeper system() {
    return Thread::sleep;
  }
}
