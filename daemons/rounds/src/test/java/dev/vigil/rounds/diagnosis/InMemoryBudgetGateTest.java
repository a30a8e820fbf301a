package dev.vigil.rounds.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rounds.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemoryBudgetGateTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T22:00:00Z"));

  private static BigDecimal usd(String v) {
    return new BigDecimal(v);
  }

  @Test
  void reservesSettlesAndReleases() throws Exception {
    InMemoryBudgetGate gate = new InMemoryBudgetGate(usd("5.00"), ZoneId.of("UTC"), clock);
    BudgetGate.Reservation a = gate.reserve(usd("2.00"), "signature 1");
    BudgetGate.Reservation b = gate.reserve(usd("2.00"), "signature 2");
    assertThat(gate.snapshot().reservedUsd()).isEqualByComparingTo("4.00");
    assertThatThrownBy(() -> gate.reserve(usd("2.00"), "signature 3"))
        .isInstanceOf(BudgetGate.BudgetExhaustedException.class)
        .hasMessage(
            "budget exhausted until 00:00 UTC (2026-03-15T00:00:00Z): spent 0.00 and reserved"
                + " 4.00 of 5.00 USD today, a call needs 2.00");
    a.settle(usd("0.25"));
    a.settle(usd("9.99")); // a second settle does nothing
    b.release();
    BudgetGate.BudgetSnapshot s = gate.snapshot();
    assertThat(s.spentUsd()).isEqualByComparingTo("0.25");
    assertThat(s.reservedUsd()).isEqualByComparingTo("0");
    assertThat(s.remainingUsd()).isEqualByComparingTo("4.75");
    assertThat(s.resetsAt()).isEqualTo(Instant.parse("2026-03-15T00:00:00Z"));
  }

  @Test
  void theDayResetsAtMidnightInTheConfiguredZone() throws Exception {
    InMemoryBudgetGate gate =
        new InMemoryBudgetGate(usd("2.00"), ZoneId.of("Europe/Paris"), clock);
    // 22:00Z is 23:00 in Paris
    gate.reserve(usd("2.00"), "x").settle(usd("2.00"));
    assertThatThrownBy(() -> gate.reserve(usd("0.01"), "y"))
        .isInstanceOfSatisfying(
            BudgetGate.BudgetExhaustedException.class,
            e -> assertThat(e.resetsAt()).isEqualTo(Instant.parse("2026-03-14T23:00:00Z")));
    clock.advance(Duration.ofMinutes(61));
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("0");
    assertThat(gate.reserve(usd("2.00"), "z").capUsd()).isEqualByComparingTo("2.00");
  }

  @Test
  void aReservationFromYesterdayDoesNotChargeToday() throws Exception {
    InMemoryBudgetGate gate = new InMemoryBudgetGate(usd("3.00"), ZoneOffset.UTC, clock);
    BudgetGate.Reservation r = gate.reserve(usd("2.00"), "x");
    clock.advance(Duration.ofHours(3));
    r.settle(usd("1.50"));
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("0");
    assertThat(gate.snapshot().reservedUsd()).isEqualByComparingTo("0");
  }

  @Test
  void aZeroLimitDisablesModelCalls() {
    InMemoryBudgetGate gate = new InMemoryBudgetGate(BigDecimal.ZERO, ZoneOffset.UTC, clock);
    assertThatThrownBy(() -> gate.reserve(usd("0.01"), "x"))
        .hasMessage("the daily budget limit is 0: model calls are disabled");
  }

  @Test
  void concurrentWorkersNeverExceedTheDailyLimit() throws Exception {
    InMemoryBudgetGate gate = new InMemoryBudgetGate(usd("10.00"), ZoneOffset.UTC, clock);
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger granted = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(
          pool.submit(
              () -> {
                go.await();
                for (int i = 0; i < 200; i++) {
                  try {
                    BudgetGate.Reservation r = gate.reserve(usd("0.50"), "w");
                    granted.incrementAndGet();
                    BudgetGate.BudgetSnapshot s = gate.snapshot();
                    assertThat(s.spentUsd().add(s.reservedUsd())).isLessThanOrEqualTo(usd("10.00"));
                    // some calls fail before costing anything, the rest cost their whole cap
                    if (ThreadLocalRandom.current().nextInt(4) == 0) {
                      r.release();
                      granted.decrementAndGet();
                    } else {
                      r.settle(usd("0.50"));
                    }
                  } catch (BudgetGate.BudgetExhaustedException e) {
                    // expected once the day is spent
                  }
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    assertThat(granted.get()).isEqualTo(20);
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("10.00");
    assertThat(gate.snapshot().reservedUsd()).isEqualByComparingTo("0");
  }
}
