package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;

/**
 * A fresh manager per test on virtual time, with a listener recording every event. Specs are
 * declared with {@link #daemon}, then {@link #build()} makes the manager.
 */
abstract class ManagerFixture {
  final ManualScheduler time = new ManualScheduler();
  final Scripted.Order order = new Scripted.Order();
  final Map<DaemonType, Scripted> scripts = new LinkedHashMap<>();
  final List<DaemonSpec> specs = new ArrayList<>();
  final List<LifecycleEvent> events = new CopyOnWriteArrayList<>();
  DaemonManager manager;

  Scripted daemon(String name, UnaryOperator<DaemonSpec.Builder> spec) {
    DaemonType type = DaemonType.of(name);
    Scripted s = new Scripted(type, order);
    scripts.put(type, s);
    specs.add(spec.apply(DaemonSpec.builder(type, s.factory())).build());
    return s;
  }

  Scripted daemon(String name) {
    return daemon(name, b -> b);
  }

  DaemonManager build() {
    return build(b -> b);
  }

  DaemonManager build(UnaryOperator<DaemonManager.Builder> options) {
    manager =
        options
            .apply(
                DaemonManager.builder(DaemonRegistry.of(specs))
                    .scheduler(time)
                    .clock(time.clock())
                    .random(new java.util.SplittableRandom(42)))
            .build();
    manager.addListener(events::add);
    return manager;
  }

  static DaemonType t(String name) {
    return DaemonType.of(name);
  }

  static <T> T get(java.util.concurrent.Future<T> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  DaemonState state(String name) {
    return manager.info(t(name)).state();
  }

  void awaitState(String name, DaemonState state) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(state(name)).as(name).isEqualTo(state));
  }

  /** Waits until the supervisor has handled everything posted so far. */
  void settle() {
    manager.snapshot();
  }

  /** Event names of one daemon, as "Starting", "Running", ... in order. */
  List<String> eventNames(String name) {
    return events.stream()
        .filter(e -> e.type().equals(t(name)))
        .map(e -> e.getClass().getSimpleName())
        .collect(Collectors.toList());
  }

  <E extends LifecycleEvent> List<E> eventsOf(Class<E> kind, String name) {
    return events.stream()
        .filter(kind::isInstance)
        .map(kind::cast)
        .filter(e -> e.type().equals(t(name)))
        .toList();
  }

  @AfterEach
  void everyTransitionWasLegalAndShutDown() throws Exception {
    if (manager == null) {
      return;
    }
    for (DaemonType type : manager.registry().types()) {
      for (Transition tr : manager.history(type)) {
        assertThat(tr.from().canMoveTo(tr.to())).as(type + " " + tr).isTrue();
      }
    }
    var report = manager.shutdown(Duration.ofSeconds(60));
    // stop timeouts are virtual: let them elapse if a test left something hanging
    for (int i = 0; i < 100 && !report.isDone(); i++) {
      time.advance(Duration.ofSeconds(1));
      Thread.onSpinWait();
      if (!report.isDone()) {
        try {
          report.get(20, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException ignored) {
          // keep advancing
        }
      }
    }
    assertThat(report).succeedsWithin(Duration.ofSeconds(10));
  }
}
