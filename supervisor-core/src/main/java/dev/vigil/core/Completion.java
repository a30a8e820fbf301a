package dev.vigil.core;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Completes a request's future once each of the daemons it waits on has settled: with the first
 * failure and the later ones suppressed, or normally. One object per request rather than a future
 * per daemon, so starting ten thousand daemons settles ten thousand counters, not a tree of
 * futures. Confined to the control loop. The future is completed by a message of its own, after
 * the message that settled the last daemon has finished, so whoever it wakes sees all of that
 * message's changes published.
 */
final class Completion {
  private final CompletableFuture<Void> future;
  private final Consumer<Runnable> afterThisMessage;
  private int remaining;
  private Throwable failure;

  /**
   * Waits for {@code expected} settlements (none: completes after this message).
   *
   * @param afterThisMessage runs a task after the current control-loop message
   */
  Completion(int expected, CompletableFuture<Void> future, Consumer<Runnable> afterThisMessage) {
    this.future = future;
    this.afterThisMessage = afterThisMessage;
    this.remaining = expected;
    if (expected == 0) {
      complete();
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
      complete();
    }
  }

  private void complete() {
    Throwable outcome = failure;
    afterThisMessage.accept(
        () -> {
          if (outcome == null) {
            future.complete(null);
          } else {
            future.completeExceptionally(outcome);
          }
        });
  }
}
