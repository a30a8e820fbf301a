package dev.vigil.core;

import java.util.concurrent.CompletableFuture;

/**
 * Completes a request's future once each of the daemons it waits on has settled: with the first
 * failure and the later ones suppressed, or normally. One object per request rather than a future
 * per daemon, so starting ten thousand daemons settles ten thousand counters, not a tree of
 * futures. Confined to the control loop.
 */
final class Completion {
  private final CompletableFuture<Void> future;
  private int remaining;
  private Throwable failure;

  /** Waits for {@code expected} settlements; completes at once when that is zero. */
  Completion(int expected, CompletableFuture<Void> future) {
    this.future = future;
    this.remaining = expected;
    if (expected == 0) {
      future.complete(null);
    }
  }

  /** One daemon settled: {@code error} is null when it got where the request wanted it. */
  void settle(Throwable error) {
    if (error != null) {
      if (failure == null) {
        failure = error;
      } else if (failure != error) {
        failure.addSuppressed(error);
      }
    }
    if (--remaining == 0) {
      if (failure == null) {
        future.complete(null);
      } else {
        future.completeExceptionally(failure);
      }
    }
  }
}
