package dev.vigil.core;

import java.util.function.Consumer;

/**
 * The typed in-process event bus that daemons talk through. Events are records; a subscriber
 * receives every published event that is an instance of the type it subscribed to, in publish
 * order, on its own virtual thread. Delivery is asynchronous and bounded: when a subscriber falls
 * behind by more than its queue capacity, further events for it are dropped and counted. A
 * subscriber that throws is logged, counted and keeps its subscription.
 */
public interface EventBus {

  /**
   * Publishes an event to the current subscribers of its type. Never blocks.
   *
   * @return the number of subscribers the event was queued for
   */
  int publish(Record event);

  /** Subscribes to events of {@code type} (and its subtypes). */
  <E> Subscription subscribe(Class<E> type, Consumer<? super E> subscriber);

  /** A subscription; closing it stops delivery (events already queued may still arrive). */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
