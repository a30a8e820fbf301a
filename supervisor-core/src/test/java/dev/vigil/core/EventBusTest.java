package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The event bus, exercised through a real manager's {@code events()}. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class EventBusTest {

  sealed interface Signal {}

  record Ping(int n) implements Signal {}

  record Pong(String s) implements Signal {}

  record Unrelated(int n) {}

  /** A marker event every subscriber of Record receives, to know earlier events were handled. */
  record Marker(String name) {}

  private final List<DaemonManager> managers = new ArrayList<>();

  private EventBus bus(int capacity) {
    DaemonManager m =
        DaemonManager.builder(DaemonRegistry.of()).eventQueueCapacity(capacity).build();
    managers.add(m);
    return m.events();
  }

  @AfterEach
  void shutDown() throws Exception {
    for (DaemonManager m : managers) {
      m.shutdown(Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
    }
  }

  // ---------------------------------------------------------------- matching

  @Test
  void aSubscriberReceivesEventsOfItsType() {
    EventBus bus = bus(16);
    List<Ping> got = new CopyOnWriteArrayList<>();
    bus.subscribe(Ping.class, got::add);

    assertThat(bus.publish(new Ping(1))).isEqualTo(1);
    assertThat(bus.publish(new Ping(2))).isEqualTo(1);

    eventually().untilAsserted(() -> assertThat(got).containsExactly(new Ping(1), new Ping(2)));
  }

  @Test
  void subtypesAndInterfacesAreDeliveredUnrelatedTypesAreNot() {
    EventBus bus = bus(16);
    List<Signal> signals = new CopyOnWriteArrayList<>();
    List<Pong> pongs = new CopyOnWriteArrayList<>();
    List<Record> everything = new CopyOnWriteArrayList<>();
    List<Unrelated> unrelated = new CopyOnWriteArrayList<>();
    bus.subscribe(Signal.class, signals::add);
    bus.subscribe(Pong.class, pongs::add);
    bus.subscribe(Record.class, everything::add);
    bus.subscribe(Unrelated.class, unrelated::add);

    // publish's answer says exactly who the event was queued for
    assertThat(bus.publish(new Ping(1))).as("Signal and Record").isEqualTo(2);
    assertThat(bus.publish(new Pong("a"))).as("Signal, Pong and Record").isEqualTo(3);
    assertThat(bus.publish(new Unrelated(7))).as("Unrelated and Record").isEqualTo(2);
    assertThat(bus.publish(new Marker("end"))).as("Record only").isEqualTo(1);

    eventually()
        .untilAsserted(
            () ->
                assertThat(everything)
                    .containsExactly(
                        new Ping(1), new Pong("a"), new Unrelated(7), new Marker("end")));
    eventually()
        .untilAsserted(() -> assertThat(signals).containsExactly(new Ping(1), new Pong("a")));
    eventually().untilAsserted(() -> assertThat(pongs).containsExactly(new Pong("a")));
    eventually().untilAsserted(() -> assertThat(unrelated).containsExactly(new Unrelated(7)));
  }

  @Test
  void publishingWithNoSubscribersQueuesForNobody() {
    EventBus bus = bus(16);
    assertThat(bus.publish(new Ping(1))).isZero();
    bus.subscribe(Pong.class, p -> {});
    assertThat(bus.publish(new Ping(2))).isZero();
  }

  @Test
  void aSubscriberReceivesOnlyEventsPublishedAfterItSubscribed() {
    EventBus bus = bus(16);
    bus.publish(new Ping(1));
    List<Ping> got = new CopyOnWriteArrayList<>();
    bus.subscribe(Ping.class, got::add);
    bus.publish(new Ping(2));

    eventually().untilAsserted(() -> assertThat(got).containsExactly(new Ping(2)));
  }

  // ---------------------------------------------------------------- order

  @Test
  void eachSubscriberSeesEventsInPublishOrder() {
    int n = 2_000;
    EventBus bus = bus(n);
    List<Integer> first = new CopyOnWriteArrayList<>();
    List<Integer> second = new CopyOnWriteArrayList<>();
    bus.subscribe(Ping.class, p -> first.add(p.n()));
    bus.subscribe(Signal.class, s -> second.add(((Ping) s).n()));

    for (int i = 0; i < n; i++) {
      assertThat(bus.publish(new Ping(i))).isEqualTo(2);
    }

    List<Integer> expected = IntStream.range(0, n).boxed().toList();
    eventually().untilAsserted(() -> assertThat(first).containsExactlyElementsOf(expected));
    eventually().untilAsserted(() -> assertThat(second).containsExactlyElementsOf(expected));
  }

  @Test
  void aSubscriberIsCalledOneEventAtATime() throws Exception {
    int n = 500;
    EventBus bus = bus(n);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    AtomicInteger seen = new AtomicInteger();
    bus.subscribe(
        Ping.class,
        p -> {
          maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
          Thread.yield();
          inside.decrementAndGet();
          seen.incrementAndGet();
        });

    // publish from several threads at once
    List<Thread> publishers = new ArrayList<>();
    for (int t = 0; t < 5; t++) {
      publishers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (int i = 0; i < n / 5; i++) {
                      bus.publish(new Ping(i));
                    }
                  }));
    }
    for (Thread t : publishers) {
      assertThat(t.join(Duration.ofSeconds(5))).isTrue();
    }
    eventually().until(() -> seen.get() == n);
    assertThat(maxInside).hasValue(1);
  }

  // ---------------------------------------------------------------- unsubscribe

  @Test
  void closingASubscriptionStopsDelivery() {
    EventBus bus = bus(16);
    List<Ping> got = new CopyOnWriteArrayList<>();
    EventBus.Subscription sub = bus.subscribe(Ping.class, got::add);
    bus.publish(new Ping(1));
    eventually().untilAsserted(() -> assertThat(got).containsExactly(new Ping(1)));

    sub.close();

    assertThat(bus.publish(new Ping(2))).as("queued for nobody").isZero();
    // a second subscriber proves delivery as such still works
    List<Ping> other = new CopyOnWriteArrayList<>();
    bus.subscribe(Ping.class, other::add);
    assertThat(bus.publish(new Ping(3))).isEqualTo(1);
    eventually().untilAsserted(() -> assertThat(other).containsExactly(new Ping(3)));
    assertThat(got).containsExactly(new Ping(1));
  }

  @Test
  void closingTwiceIsHarmless() {
    EventBus bus = bus(16);
    EventBus.Subscription sub = bus.subscribe(Ping.class, p -> {});
    sub.close();
    sub.close();
    assertThat(bus.publish(new Ping(1))).isZero();
  }

  // ---------------------------------------------------------------- isolation

  @Test
  void aThrowingSubscriberIsIsolatedAndKeepsReceiving() {
    EventBus bus = bus(16);
    List<Ping> thrower = new CopyOnWriteArrayList<>();
    List<Ping> others = new CopyOnWriteArrayList<>();
    bus.subscribe(
        Ping.class,
        p -> {
          thrower.add(p);
          if (p.n() == 1) {
            throw new IllegalStateException("subscriber bug");
          }
        });
    bus.subscribe(Ping.class, others::add);

    assertThat(bus.publish(new Ping(1))).isEqualTo(2);
    assertThat(bus.publish(new Ping(2))).isEqualTo(2);
    assertThat(bus.publish(new Ping(3))).isEqualTo(2);

    eventually()
        .untilAsserted(
            () -> assertThat(others).containsExactly(new Ping(1), new Ping(2), new Ping(3)));
    eventually()
        .untilAsserted(
            () -> assertThat(thrower).containsExactly(new Ping(1), new Ping(2), new Ping(3)));
  }

  @Test
  void aSubscriberThrowingAnErrorKeepsReceivingToo() {
    EventBus bus = bus(16);
    List<Ping> got = new CopyOnWriteArrayList<>();
    bus.subscribe(
        Ping.class,
        p -> {
          got.add(p);
          if (p.n() == 1) {
            throw new AssertionError("subscriber error");
          }
        });
    bus.publish(new Ping(1));
    bus.publish(new Ping(2));
    eventually().untilAsserted(() -> assertThat(got).containsExactly(new Ping(1), new Ping(2)));
  }

  @Test
  void aSlowSubscriberDoesNotBlockPublishOrOtherSubscribers() throws Exception {
    int n = 100;
    EventBus bus = bus(n);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch slowEntered = new CountDownLatch(1);
    List<Ping> slow = new CopyOnWriteArrayList<>();
    List<Ping> fast = new CopyOnWriteArrayList<>();
    bus.subscribe(
        Ping.class,
        p -> {
          slowEntered.countDown();
          awaitQuietly(release);
          slow.add(p);
        });
    bus.subscribe(Ping.class, fast::add);

    try {
      for (int i = 0; i < n; i++) {
        assertThat(bus.publish(new Ping(i))).isEqualTo(2); // returns while the slow one is stuck
      }
      assertThat(slowEntered.await(5, TimeUnit.SECONDS)).isTrue();
      eventually().untilAsserted(() -> assertThat(fast).hasSize(n));
      assertThat(slow).isEmpty(); // still stuck on the first event
    } finally {
      release.countDown();
    }
    eventually().untilAsserted(() -> assertThat(slow).hasSize(n));
    assertThat(slow).extracting(Ping::n).isSorted();
  }

  // ---------------------------------------------------------------- bounded queues

  @Test
  void aFullQueueDropsFurtherEventsForThatSubscriberOnly() throws Exception {
    int capacity = 4;
    EventBus bus = bus(capacity);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    List<Ping> slow = new CopyOnWriteArrayList<>();
    List<Ping> fast = new CopyOnWriteArrayList<>();
    bus.subscribe(
        Ping.class,
        p -> {
          entered.countDown();
          awaitQuietly(release);
          slow.add(p);
        });

    try {
      assertThat(bus.publish(new Ping(0))).isEqualTo(1);
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue(); // event 0 is being handled
      bus.subscribe(Ping.class, fast::add);
      // the fast subscriber has the same capacity, so it is let to keep up after each event
      for (int i = 1; i <= capacity; i++) {
        assertThat(bus.publish(new Ping(i))).as("event %d fits the queue", i).isEqualTo(2);
        awaitSize(fast, i);
      }
      assertThat(bus.publish(new Ping(5))).as("dropped for the slow subscriber").isEqualTo(1);
      awaitSize(fast, 5);
      assertThat(bus.publish(new Ping(6))).as("dropped for the slow subscriber").isEqualTo(1);
    } finally {
      release.countDown();
    }

    eventually()
        .untilAsserted(
            () -> assertThat(slow).extracting(Ping::n).containsExactly(0, 1, 2, 3, 4));
    eventually()
        .untilAsserted(
            () -> assertThat(fast).extracting(Ping::n).containsExactly(1, 2, 3, 4, 5, 6));
    // once drained, the slow subscriber gets new events again
    assertThat(bus.publish(new Ping(7))).isEqualTo(2);
    eventually()
        .untilAsserted(
            () -> assertThat(slow).extracting(Ping::n).containsExactly(0, 1, 2, 3, 4, 7));
  }

  @Test
  void dropsAndSubscriberFailuresAreCountedInTheEventRoutersHealth() throws Exception {
    ManualScheduler ms = new ManualScheduler();
    DaemonManager m =
        DaemonManager.builder(DaemonRegistry.of())
            .eventQueueCapacity(1)
            .scheduler(ms)
            .clock(ms.clock())
            .build();
    managers.add(m);
    m.start(BuiltinDaemons.EVENT_ROUTER).get(5, TimeUnit.SECONDS);
    EventBus bus = m.events();

    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    List<Ping> got = new CopyOnWriteArrayList<>();
    bus.subscribe(
        Ping.class,
        p -> {
          entered.countDown();
          awaitQuietly(release);
          got.add(p);
        });
    AtomicReference<Thread> throwerThread = new AtomicReference<>();
    bus.subscribe(
        Pong.class,
        p -> {
          throwerThread.set(Thread.currentThread());
          throw new IllegalStateException("bad subscriber");
        });
    try {
      bus.publish(new Ping(0));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(bus.publish(new Ping(1))).isEqualTo(1); // fills the queue of one
      assertThat(bus.publish(new Ping(2))).isZero(); // dropped
      assertThat(bus.publish(new Ping(3))).isZero(); // dropped
      assertThat(bus.publish(new Pong("x"))).isEqualTo(1); // delivered, and throws
    } finally {
      release.countDown();
    }
    eventually().untilAsserted(() -> assertThat(got).extracting(Ping::n).containsExactly(0, 1));
    // the failure is counted once the delivering thread is done with it
    eventually().until(() -> throwerThread.get() != null && !throwerThread.get().isAlive());

    // the watchdog checks EVENT_ROUTER at once (its first check is due when it is RUNNING), then
    // every 30 s of virtual time; nothing has moved time yet
    assertThat(m.health(BuiltinDaemons.EVENT_ROUTER).status()).isEqualTo(HealthStatus.UNKNOWN);
    ms.advance(Duration.ZERO);
    eventually()
        .untilAsserted(
            () -> {
              HealthCheckResult h = m.health(BuiltinDaemons.EVENT_ROUTER);
              assertThat(h.status()).isEqualTo(HealthStatus.DEGRADED);
              assertThat(h.message())
                  .isEqualTo("2 events dropped, 1 subscriber failures since last check");
              assertThat(h.details())
                  .containsEntry("dropped_total", 2L)
                  .containsEntry("subscriber_failures_total", 1L)
                  .containsEntry("subscribers", 2);
            });
  }

  @Test
  void publishRejectsNull() {
    EventBus bus = bus(4);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> bus.publish(null))
        .isInstanceOf(NullPointerException.class);
  }

  /** Awaits with fine polling: most conditions here hold within microseconds. */
  private static ConditionFactory eventually() {
    return await()
        .atMost(Duration.ofSeconds(5))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(2));
  }

  private static void awaitSize(List<?> list, int size) {
    eventually().until(() -> list.size() == size);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
