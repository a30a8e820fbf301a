package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimingWheelSchedulerTest {
  private final TimingWheelScheduler wheel =
      new TimingWheelScheduler("test-timer", Duration.ofMillis(5));

  @AfterEach
  void close() {
    wheel.close();
  }

  @Test
  void aTimerNeverRunsBeforeItIsDue() {
    List<Long> lateness = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 50; i++) {
      long delay = Duration.ofMillis(i * 7L).toNanos();
      long due = System.nanoTime() + delay;
      wheel.schedule(Duration.ofNanos(delay), () -> lateness.add(System.nanoTime() - due));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> lateness.size() == 50);
    assertThat(lateness).allSatisfy(l -> assertThat(l).isNotNegative());
  }

  @Test
  void aCancelledTimerDoesNotRun() {
    AtomicInteger ran = new AtomicInteger();
    Scheduler.Cancellable cancelled = wheel.schedule(Duration.ofMillis(30), ran::incrementAndGet);
    Scheduler.Cancellable kept = wheel.schedule(Duration.ofMillis(60), ran::incrementAndGet);
    assertThat(cancelled.cancel()).isTrue();
    assertThat(cancelled.cancel()).as("only once").isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1);
    assertThat(kept.cancel()).as("already ran").isFalse();
  }

  @Test
  void timersBeyondOneRoundWaitTheirRounds() {
    // 512 buckets of 5 ms are 2.56 s per round; this one is due after the first pass of its bucket
    AtomicInteger ran = new AtomicInteger();
    long start = System.nanoTime();
    long[] ranAfter = new long[1];
    wheel.schedule(
        Duration.ofMillis(2_600),
        () -> {
          ranAfter[0] = System.nanoTime() - start;
          ran.incrementAndGet();
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1);
    assertThat(Duration.ofNanos(ranAfter[0])).isGreaterThanOrEqualTo(Duration.ofMillis(2_600));
  }

  @Test
  void aThrowingTaskDoesNotStopTheWheelAndAnIdleWheelWakesForNewTimers() {
    AtomicInteger ran = new AtomicInteger();
    wheel.schedule(
        Duration.ZERO,
        () -> {
          throw new IllegalStateException("task bug");
        });
    wheel.schedule(Duration.ofMillis(10), ran::incrementAndGet);
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1);
    // nothing pending now: the worker parks until the next schedule wakes it
    wheel.schedule(Duration.ofMillis(10), ran::incrementAndGet);
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 2);
  }
}
