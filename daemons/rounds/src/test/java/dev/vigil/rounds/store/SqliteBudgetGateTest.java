package dev.vigil.rounds.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rounds.diagnosis.BudgetGate;
import dev.vigil.rounds.diagnosis.BudgetGate.BudgetExhaustedException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteBudgetGateTest {
  static final Instant T0 = Instant.parse("2026-03-01T22:30:00Z");

  @TempDir Path dir;
  Path file;
  final AtomicReference<Instant> now = new AtomicReference<>(T0);
  final Clock clock = new Clock() {
    @Override public ZoneId getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(ZoneId zone) { return this; }
    @Override public Instant instant() { return now.get(); }
  };
  final List<SqliteDiagnosisStore> opened = new ArrayList<>();

  @BeforeEach
  void setUp() {
    file = dir.resolve("rounds.db");
  }

  @AfterEach
  void closeAll() {
    opened.forEach(SqliteDiagnosisStore::close);
  }

  SqliteDiagnosisStore open() {
    SqliteDiagnosisStore s = SqliteDiagnosisStore.open(file, SqliteSignatureStore.Options.defaults());
    opened.add(s);
    return s;
  }

  SqliteBudgetGate gate(SqliteDiagnosisStore store, String limit, String holder) {
    return new SqliteBudgetGate(() -> store, new BigDecimal(limit), ZoneOffset.UTC, clock, Duration.ofMinutes(15), holder);
  }

  @Test
  void reservesSettlesAndReleasesAgainstTheDailyLimit() throws Exception {
    SqliteBudgetGate g = gate(open(), "5.00", "node-a");
    BudgetGate.Reservation a = g.reserve(new BigDecimal("2.00"), "signature 1");
    BudgetGate.Reservation b = g.reserve(new BigDecimal("2.00"), "signature 2");
    assertThat(g.snapshot().reservedUsd()).isEqualByComparingTo("4.00");
    assertThatThrownBy(() -> g.reserve(new BigDecimal("2.00"), "signature 3"))
        .isInstanceOf(BudgetExhaustedException.class)
        .hasMessageContaining("budget exhausted until 00:00 Z")
        .hasMessageContaining("reserved 4.00 of 5.00");

    a.settle(new BigDecimal("0.123456789"));
    a.settle(new BigDecimal("1.00")); // a second close does nothing
    b.release();

    BudgetGate.BudgetSnapshot s = g.snapshot();
    assertThat(s.spentUsd()).isEqualByComparingTo("0.123457"); // rounded up to the micro-dollar
    assertThat(s.reservedUsd()).isEqualByComparingTo("0");
    assertThat(s.remainingUsd()).isEqualByComparingTo("4.876543");
    assertThat(s.resetsAt()).isEqualTo(Instant.parse("2026-03-02T00:00:00Z"));
  }

  @Test
  void aZeroLimitDisablesModelCalls() {
    SqliteBudgetGate g = gate(open(), "0", "node-a");
    assertThatThrownBy(() -> g.reserve(new BigDecimal("0.01"), "x"))
        .isInstanceOf(BudgetExhaustedException.class)
        .hasMessageContaining("disabled");
  }

  @Test
  void theLedgerSurvivesReopeningAndTheDayResetsAtMidnightInTheZone() throws Exception {
    SqliteDiagnosisStore first = open();
    gate(first, "3.00", "node-a").reserve(new BigDecimal("2.00"), "s1").settle(new BigDecimal("2.50"));
    first.close();

    SqliteBudgetGate again = gate(open(), "3.00", "node-a");
    assertThat(again.snapshot().spentUsd()).isEqualByComparingTo("2.50");
    assertThatThrownBy(() -> again.reserve(new BigDecimal("2.00"), "s2"))
        .isInstanceOf(BudgetExhaustedException.class)
        .satisfies(e -> assertThat(((BudgetExhaustedException) e).resetsAt())
            .isEqualTo(Instant.parse("2026-03-02T00:00:00Z")));

    now.set(Instant.parse("2026-03-02T00:00:00Z"));
    assertThat(again.snapshot().day()).isEqualTo(LocalDate.parse("2026-03-02"));
    assertThat(again.snapshot().spentUsd()).isEqualByComparingTo("0");
    again.reserve(new BigDecimal("2.00"), "s2").settle(new BigDecimal("1.00"));
    assertThat(again.snapshot().spentUsd()).isEqualByComparingTo("1.00");
  }

  @Test
  void theBudgetDayFollowsTheConfiguredZone() throws Exception {
    SqliteDiagnosisStore s = open();
    // 22:30 UTC is already 07:30 the next day in Tokyo
    SqliteBudgetGate tokyo = new SqliteBudgetGate(() -> s, new BigDecimal("10"), ZoneId.of("Asia/Tokyo"), clock,
        Duration.ofMinutes(15), "n");
    assertThat(tokyo.snapshot().day()).isEqualTo(LocalDate.parse("2026-03-02"));
    assertThat(tokyo.snapshot().resetsAt()).isEqualTo(Instant.parse("2026-03-02T15:00:00Z"));
  }

  @Test
  void aReservationSettledAfterMidnightChargesTheDayItWasMadeIn() throws Exception {
    SqliteBudgetGate g = gate(open(), "3.00", "node-a");
    BudgetGate.Reservation r = g.reserve(new BigDecimal("2.00"), "s1");
    now.set(Instant.parse("2026-03-02T00:05:00Z"));
    r.settle(new BigDecimal("1.50"));
    assertThat(g.snapshot().spentUsd()).isEqualByComparingTo("0");
    assertThat(g.snapshot().remainingUsd()).isEqualByComparingTo("3.00");
  }

  @Test
  void aReservationLeftOpenByACrashedHolderExpiresChargedAtItsCap() throws Exception {
    SqliteDiagnosisStore crashed = open();
    gate(crashed, "5.00", "node-a").reserve(new BigDecimal("2.00"), "s1"); // never settled: kill -9
    crashed.close();

    SqliteDiagnosisStore restarted = open();
    SqliteBudgetGate g = gate(restarted, "5.00", "node-a");
    assertThat(restarted.expireStaleReservations(clock.instant())).isZero(); // still within its hold
    assertThat(g.snapshot().reservedUsd()).isEqualByComparingTo("2.00");

    now.set(T0.plus(Duration.ofMinutes(15)));
    assertThat(restarted.expireStaleReservations(clock.instant())).isEqualTo(1);
    BudgetGate.BudgetSnapshot s = g.snapshot();
    assertThat(s.reservedUsd()).isEqualByComparingTo("0");
    assertThat(s.spentUsd()).isEqualByComparingTo("2.00");
  }

  /** Workers on threads and on two connections (two nodes) race for one daily limit. */
  @Test
  void concurrentWorkersOnTwoNodesNeverSpendPastTheLimit() throws Exception {
    SqliteBudgetGate nodeA = gate(open(), "10.00", "node-a");
    SqliteBudgetGate nodeB = gate(open(), "10.00", "node-b");
    int workers = 8;
    int callsEach = 10;
    AtomicInteger granted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger settled = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    List<Future<Void>> done = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      SqliteBudgetGate g = w % 2 == 0 ? nodeA : nodeB;
      int worker = w;
      Callable<Void> task = () -> {
        go.await();
        for (int i = 0; i < callsEach; i++) {
          try {
            BudgetGate.Reservation r = g.reserve(new BigDecimal("1.00"), "w" + worker + "-" + i);
            granted.incrementAndGet();
            // each call costs 0.60 of its 1.00 cap; a third of them fail and cost nothing
            if (i % 3 == 0) {
              r.release();
            } else {
              r.settle(new BigDecimal("0.60"));
              settled.incrementAndGet();
            }
          } catch (BudgetExhaustedException e) {
            refused.incrementAndGet();
          }
        }
        return null;
      };
      done.add(pool.submit(task));
    }
    go.countDown();
    for (Future<Void> f : done) {
      f.get();
    }
    pool.shutdown();

    BudgetGate.BudgetSnapshot s = nodeA.snapshot();
    assertThat(granted.get() + refused.get()).isEqualTo(workers * callsEach);
    assertThat(refused.get()).isPositive(); // the limit did bite
    assertThat(s.reservedUsd()).isEqualByComparingTo("0");
    assertThat(s.spentUsd()).isLessThanOrEqualTo(new BigDecimal("10.00"));
    // every settlement was counted once, none lost between the connections
    assertThat(s.spentUsd()).isEqualByComparingTo(new BigDecimal("0.60").multiply(BigDecimal.valueOf(settled.get())));
    assertThat(nodeB.snapshot().spentUsd()).isEqualByComparingTo(s.spentUsd());
  }
}
