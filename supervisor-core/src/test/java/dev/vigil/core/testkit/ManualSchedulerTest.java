package dev.vigil.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.core.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManualSchedulerTest {
  private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

  private final ManualScheduler ms = new ManualScheduler();
  private final List<String> ran = new ArrayList<>();

  private static Duration s(long seconds) {
    return Duration.ofSeconds(seconds);
  }

  /** Records the task's name with the virtual time it observed while running. */
  private Runnable record(String name) {
    return () -> ran.add(name + "@" + Duration.ofNanos(ms.nanoTime()).toMillis() + "ms");
  }

  @Test
  void startsAtTheDefaultEpochWithNothingPending() {
    assertThat(ms.now()).isEqualTo(EPOCH);
    assertThat(ms.nanoTime()).isZero();
    assertThat(ms.pending()).isZero();
    assertThat(ms.nextDue()).isEmpty();
    assertThat(ms.pendingDelays()).isEmpty();
  }

  @Test
  void aCustomEpochIsUsed() {
    Instant epoch = Instant.parse("2000-02-29T12:00:00Z");
    ManualScheduler custom = new ManualScheduler(epoch);
    custom.advance(s(90));
    assertThat(custom.now()).isEqualTo(epoch.plusSeconds(90));
  }

  @Test
  void nothingRunsUntilTimeIsAdvanced() {
    ms.schedule(Duration.ZERO, record("now"));
    ms.schedule(s(1), record("later"));
    assertThat(ran).isEmpty();
    assertThat(ms.pending()).isEqualTo(2);
  }

  @Test
  void tasksRunInDueOrderAtTheirDueTime() {
    ms.schedule(s(3), record("c"));
    ms.schedule(s(1), record("a"));
    ms.schedule(s(2), record("b"));
    ms.schedule(s(10), record("too-late"));

    int count = ms.advance(s(5));

    assertThat(count).isEqualTo(3);
    assertThat(ran).containsExactly("a@1000ms", "b@2000ms", "c@3000ms");
    assertThat(ms.nanoTime()).isEqualTo(s(5).toNanos());
    assertThat(ms.pending()).isEqualTo(1);
    assertThat(ms.nextDue()).contains(s(5));
  }

  @Test
  void theClockInsideATaskReadsItsDueTime() {
    Clock clock = ms.clock();
    List<Instant> seen = new ArrayList<>();
    ms.schedule(Duration.ofMillis(1500), () -> seen.add(clock.instant()));
    ms.schedule(Duration.ofMillis(2500), () -> seen.add(clock.instant()));

    ms.advance(s(4));

    assertThat(seen).containsExactly(EPOCH.plusMillis(1500), EPOCH.plusMillis(2500));
    assertThat(clock.instant()).isEqualTo(EPOCH.plusSeconds(4));
  }

  @Test
  void tasksDueAtTheSameTimeRunInTheOrderTheyWereScheduled() {
    for (String name : List.of("first", "second", "third", "fourth")) {
      ms.schedule(s(1), record(name));
    }
    ms.advance(s(1));
    assertThat(ran)
        .containsExactly("first@1000ms", "second@1000ms", "third@1000ms", "fourth@1000ms");
  }

  @Test
  void aTaskDueExactlyAtTheEndOfTheStepRuns() {
    ms.schedule(s(2), record("edge"));
    assertThat(ms.advance(Duration.ofMillis(1999))).isZero();
    assertThat(ms.advance(Duration.ofMillis(1))).isEqualTo(1);
    assertThat(ran).containsExactly("edge@2000ms");
  }

  @Test
  void zeroAndNegativeDelaysAreDueNowAndRunOnRunDue() {
    ms.advance(s(7));
    ms.schedule(Duration.ZERO, record("zero"));
    ms.schedule(s(-3), record("negative"));

    assertThat(ms.pendingDelays()).containsExactly(Duration.ZERO, Duration.ZERO);
    assertThat(ms.runDue()).isEqualTo(2);
    assertThat(ran).containsExactly("zero@7000ms", "negative@7000ms");
    assertThat(ms.nanoTime()).isEqualTo(s(7).toNanos());
  }

  @Test
  void cancelStopsATaskFromRunning() {
    Scheduler.Cancellable a = ms.schedule(s(1), record("a"));
    ms.schedule(s(2), record("b"));

    assertThat(a.cancel()).isTrue();
    assertThat(a.cancel()).as("second cancel").isFalse();
    assertThat(ms.pending()).isEqualTo(1);

    ms.advance(s(3));
    assertThat(ran).containsExactly("b@2000ms");
  }

  @Test
  void cancelAfterTheTaskRanReturnsFalse() {
    Scheduler.Cancellable a = ms.schedule(s(1), record("a"));
    ms.advance(s(1));
    assertThat(a.cancel()).isFalse();
    assertThat(ran).containsExactly("a@1000ms");
  }

  @Test
  void aTaskCanCancelALaterOneInTheSameStep() {
    Scheduler.Cancellable[] later = new Scheduler.Cancellable[1];
    ms.schedule(s(1), () -> later[0].cancel());
    later[0] = ms.schedule(s(2), record("cancelled"));

    assertThat(ms.advance(s(3))).isEqualTo(1);
    assertThat(ran).isEmpty();
  }

  @Test
  void tasksScheduledDuringAdvanceRunIfTheyFallWithinTheStep() {
    // a fixed-rate ticker rescheduling itself every second
    Runnable[] tick = new Runnable[1];
    tick[0] =
        () -> {
          record("tick").run();
          ms.schedule(s(1), tick[0]);
        };
    ms.schedule(s(1), tick[0]);
    ms.schedule(Duration.ofMillis(2500), () -> ms.schedule(Duration.ZERO, record("follow-up")));

    int count = ms.advance(Duration.ofMillis(3500));

    assertThat(ran)
        .containsExactly("tick@1000ms", "tick@2000ms", "follow-up@2500ms", "tick@3000ms");
    assertThat(count).isEqualTo(5);
    assertThat(ms.nextDue()).contains(Duration.ofMillis(500)); // the tick due at 4 s
  }

  @Test
  void tasksScheduledDuringAdvanceBeyondTheStepWait() {
    ms.schedule(s(1), () -> ms.schedule(s(5), record("beyond")));
    ms.advance(s(3));
    assertThat(ran).isEmpty();
    assertThat(ms.nextDue()).contains(s(3)); // due at 6 s, now 3 s
    ms.advance(s(3));
    assertThat(ran).containsExactly("beyond@6000ms");
  }

  @Test
  void nextDueAndPendingDelaysAreRelativeToNow() {
    ms.schedule(s(10), record("x"));
    ms.schedule(s(4), record("y"));
    ms.advance(s(1));

    assertThat(ms.nextDue()).contains(s(3));
    assertThat(ms.pendingDelays()).containsExactly(s(3), s(9));
    assertThat(ms.pending()).isEqualTo(2);
  }

  @Test
  void clockInstantMovesWithAdvance() {
    Clock clock = ms.clock();
    assertThat(clock.instant()).isEqualTo(EPOCH);
    assertThat(clock.getZone()).isEqualTo(java.time.ZoneOffset.UTC);

    ms.advance(Duration.ofMillis(1234));

    assertThat(clock.instant()).isEqualTo(EPOCH.plusMillis(1234));
    assertThat(clock.millis()).isEqualTo(EPOCH.toEpochMilli() + 1234);
    assertThat(ms.now()).isEqualTo(EPOCH.plusMillis(1234));
  }

  @Test
  void aClockInAnotherZoneReadsTheSameInstant() {
    Clock paris = ms.clock().withZone(ZoneId.of("Europe/Paris"));
    ms.advance(s(60));
    assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
    assertThat(paris.instant()).isEqualTo(EPOCH.plusSeconds(60));
  }

  @Test
  void negativeAdvanceIsRejectedAndTimeDoesNotMove() {
    ms.advance(s(5));
    ms.schedule(Duration.ZERO, record("due"));

    assertThatThrownBy(() -> ms.advance(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backwards");
    assertThat(ms.nanoTime()).isEqualTo(s(5).toNanos());
    assertThat(ran).isEmpty();
  }

  @Test
  void nanoTimeIsMonotonicAcrossManyAdvances() {
    long previous = ms.nanoTime();
    for (int i = 0; i < 100; i++) {
      ms.advance(Duration.ofMillis(i % 3));
      assertThat(ms.nanoTime()).isGreaterThanOrEqualTo(previous);
      previous = ms.nanoTime();
    }
    assertThat(previous).isEqualTo(Duration.ofMillis(99).toNanos());
  }

  @Test
  void concurrentAdvancesNeverMoveTimeBackwards() throws Exception {
    CountDownLatch inTask = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ms.schedule(
        Duration.ofMillis(500),
        () -> {
          inTask.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    Thread slow = Thread.ofPlatform().start(() -> ms.advance(s(1)));
    assertThat(inTask.await(5, TimeUnit.SECONDS)).isTrue();

    ms.advance(s(10)); // while the other advance is inside its task
    long after = ms.nanoTime();
    release.countDown();
    assertThat(slow.join(Duration.ofSeconds(5))).isTrue();

    assertThat(after).isEqualTo(Duration.ofMillis(10_500).toNanos());
    assertThat(ms.nanoTime()).as("virtual time is monotonic").isGreaterThanOrEqualTo(after);
  }
}
