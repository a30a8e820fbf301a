package dev.vigil.core;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers items to one consumer, one at a time and in order, on a virtual thread that exists only
 * while there is something to deliver. Offering never blocks: past {@code capacity} queued items,
 * new ones are dropped and counted. A consumer that throws is logged and counted, and gets the next
 * item as usual. Used for lifecycle listeners and event-bus subscribers alike.
 */
final class SerialDispatcher<E> {
  private static final Logger log = LoggerFactory.getLogger(SerialDispatcher.class);

  private final String name;
  private final Consumer<? super E> consumer;
  private final int capacity;
  private final ConcurrentLinkedQueue<E> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean closed;

  SerialDispatcher(String name, Consumer<? super E> consumer, int capacity) {
    this.name = name;
    this.consumer = consumer;
    this.capacity = capacity;
  }

  /** Queues {@code item}; returns false if it was dropped (full or closed). */
  boolean offer(E item) {
    if (closed) {
      return false;
    }
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      dropped.incrementAndGet();
      return false;
    }
    queue.add(item);
    if (draining.compareAndSet(false, true)) {
      Thread.ofVirtual().name(name).start(this::drain);
    }
    return true;
  }

  private void drain() {
    while (true) {
      E item = queue.poll();
      if (item == null) {
        draining.set(false);
        // an offer may have queued after our poll but before the flag dropped
        if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
          return;
        }
        continue;
      }
      size.decrementAndGet();
      if (closed) {
        continue;
      }
      try {
        consumer.accept(item);
      } catch (RuntimeException | Error e) {
        failures.incrementAndGet();
        log.warn("{} threw on {}; it keeps receiving", name, item, e);
      }
    }
  }

  void close() {
    closed = true;
  }

  long dropped() {
    return dropped.get();
  }

  long failures() {
    return failures.get();
  }

  int queued() {
    return size.get();
  }
}
