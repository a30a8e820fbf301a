package dev.vigil.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one serial executor that owns supervisor state: every transition runs here, one message at a
 * time, in the order posted. A platform thread, because hand-off latency to a parked platform
 * thread is lower than to a virtual one and there is exactly one per manager.
 */
final class ControlLoop {
  private static final Logger log = LoggerFactory.getLogger(ControlLoop.class);
  private static final Runnable POISON = () -> {};

  private final LinkedTransferQueue<Runnable> queue = new LinkedTransferQueue<>();
  private final Thread thread;
  private volatile boolean closed;

  ControlLoop(String name) {
    this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
    thread.start();
  }

  private void run() {
    while (true) {
      Runnable task;
      try {
        task = queue.take();
      } catch (InterruptedException e) {
        continue; // only close() ends the loop
      }
      if (task == POISON) {
        return;
      }
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        // a bug in a transition must not take the whole supervisor down with it
        log.error("supervisor control task failed; continuing", e);
      }
    }
  }

  /**
   * Posts a message. Returns false, dropping it, once the loop is closed: after shutdown nothing
   * changes any more, so late reports of abandoned instances have nothing left to do.
   */
  boolean post(Runnable task) {
    if (closed) {
      return false;
    }
    queue.add(task);
    return true;
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /**
   * Runs {@code task} on the loop and waits for its answer up to {@code timeout}; on the loop
   * itself, or once closed, runs it directly.
   */
  <T> T call(Supplier<T> task, Duration timeout) throws TimeoutException {
    if (inLoop() || closed) {
      return task.get();
    }
    CompletableFuture<T> answer = new CompletableFuture<>();
    boolean posted =
        post(
            () -> {
              try {
                answer.complete(task.get());
              } catch (RuntimeException | Error e) {
                answer.completeExceptionally(e);
              }
            });
    if (!posted) {
      return task.get(); // closed meanwhile: nothing changes any more
    }
    try {
      return answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the supervisor", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Like {@link #call(Supplier, Duration)} with a generous timeout, for quick reads. */
  <T> T call(Supplier<T> task) {
    try {
      return call(task, Duration.ofSeconds(30));
    } catch (TimeoutException e) {
      throw new IllegalStateException("supervisor control loop did not answer within 30s", e);
    }
  }

  /** Ends the loop after the messages already posted; later posts run on the caller's thread. */
  void close() {
    closed = true;
    queue.add(POISON);
  }
}
