package dev.vigil.core;

import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The manager's {@link EventBus}: one {@link SerialDispatcher} per subscription, so subscribers are
 * isolated from each other and from publishers. It is the state behind the built-in {@code
 * EVENT_ROUTER} daemon, which reports its drops and failures as health.
 */
final class EventRouter implements EventBus {
  private final int capacity;
  private final CopyOnWriteArrayList<Sub<?>> subs = new CopyOnWriteArrayList<>();
  private long droppedSeen;
  private long failuresSeen;

  EventRouter(int capacity) {
    this.capacity = capacity;
  }

  @Override
  public int publish(Record event) {
    java.util.Objects.requireNonNull(event, "event");
    int queued = 0;
    for (Sub<?> sub : subs) {
      if (sub.offerIfMatches(event)) {
        queued++;
      }
    }
    return queued;
  }

  @Override
  public <E> Subscription subscribe(Class<E> type, Consumer<? super E> subscriber) {
    Sub<E> sub = new Sub<>(type, subscriber, capacity);
    subs.add(sub);
    return () -> {
      subs.remove(sub);
      sub.dispatcher.close();
    };
  }

  /**
   * Healthy while no event was dropped and no subscriber threw since the previous check; degraded
   * otherwise, with the counts. Called by the EVENT_ROUTER daemon's health check only.
   */
  synchronized HealthCheckResult health() {
    long dropped = 0;
    long failures = 0;
    int queued = 0;
    for (Sub<?> sub : subs) {
      dropped += sub.dispatcher.dropped();
      failures += sub.dispatcher.failures();
      queued += sub.dispatcher.queued();
    }
    long newDrops = dropped - droppedSeen;
    long newFailures = failures - failuresSeen;
    droppedSeen = dropped;
    failuresSeen = failures;
    Map<String, Object> details =
        Map.of(
            "subscribers", subs.size(),
            "queued", queued,
            "dropped_total", dropped,
            "subscriber_failures_total", failures);
    if (newDrops > 0 || newFailures > 0) {
      return HealthCheckResult.of(
          HealthStatus.DEGRADED,
          newDrops + " events dropped, " + newFailures + " subscriber failures since last check",
          details);
    }
    return HealthCheckResult.of(HealthStatus.HEALTHY, subs.size() + " subscribers", details);
  }

  private static final class Sub<E> {
    final Class<E> type;
    final SerialDispatcher<E> dispatcher;

    Sub(Class<E> type, Consumer<? super E> subscriber, int capacity) {
      this.type = type;
      this.dispatcher =
          new SerialDispatcher<>("vigil-event-" + type.getSimpleName(), subscriber, capacity);
    }

    boolean offerIfMatches(Object event) {
      return type.isInstance(event) && dispatcher.offer(type.cast(event));
    }
  }
}
