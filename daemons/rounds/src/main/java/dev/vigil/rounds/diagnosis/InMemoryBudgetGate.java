package dev.vigil.rounds.diagnosis;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * A {@link BudgetGate} held in memory, for tests and single-process use until the store's ledger
 * takes over: it does not survive a restart. All figures change under one lock.
 */
public final class InMemoryBudgetGate implements BudgetGate {

  private final Clock clock;
  private final ZoneId zone;
  private final BigDecimal limit;
  private LocalDate day;
  private BigDecimal spent = BigDecimal.ZERO;
  private BigDecimal reserved = BigDecimal.ZERO;

  /**
   * A gate with a daily limit (zero disables model calls) whose day ends at midnight in
   * {@code zone}.
   */
  public InMemoryBudgetGate(BigDecimal dailyLimitUsd, ZoneId zone, Clock clock) {
    if (dailyLimitUsd.signum() < 0) {
      throw new IllegalArgumentException("the daily limit must not be negative: " + dailyLimitUsd);
    }
    this.limit = dailyLimitUsd;
    this.zone = Objects.requireNonNull(zone, "zone");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.day = today();
  }

  @Override
  public synchronized Reservation reserve(BigDecimal capUsd, String purpose)
      throws BudgetExhaustedException {
    if (capUsd.signum() <= 0) {
      throw new IllegalArgumentException("a reservation must be positive: " + capUsd);
    }
    roll();
    BigDecimal after = spent.add(reserved).add(capUsd);
    if (limit.signum() == 0) {
      throw new BudgetExhaustedException(
          "the daily budget limit is 0: model calls are disabled", resetsAt());
    }
    if (after.compareTo(limit) > 0) {
      throw new BudgetExhaustedException(
          "budget exhausted until " + untilText() + ": spent " + money(spent) + " and reserved "
              + money(reserved) + " of " + money(limit) + " USD today, a call needs "
              + money(capUsd),
          resetsAt());
    }
    reserved = reserved.add(capUsd);
    return new Held(capUsd, day);
  }

  @Override
  public synchronized BudgetSnapshot snapshot() {
    roll();
    return new BudgetSnapshot(day, limit, spent, reserved, resetsAt());
  }

  private synchronized void close(Held h, BigDecimal actual) {
    roll();
    if (h.day.equals(day)) {
      reserved = reserved.subtract(h.cap);
      spent = spent.add(actual);
    }
    // a reservation from a past day was dropped with that day; today owes nothing for it
  }

  private void roll() {
    LocalDate now = today();
    if (!now.equals(day)) {
      day = now;
      spent = BigDecimal.ZERO;
      reserved = BigDecimal.ZERO;
    }
  }

  private LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), zone);
  }

  private Instant resetsAt() {
    return day.plusDays(1).atStartOfDay(zone).toInstant();
  }

  private String untilText() {
    return "00:00 " + zone.getId() + " (" + DateTimeFormatter.ISO_INSTANT.format(resetsAt()) + ")";
  }

  static String money(BigDecimal v) {
    return v.setScale(2, RoundingMode.HALF_UP).toPlainString();
  }

  private final class Held implements Reservation {
    private final BigDecimal cap;
    private final LocalDate day;
    private boolean closed;

    Held(BigDecimal cap, LocalDate day) {
      this.cap = cap;
      this.day = day;
    }

    @Override
    public BigDecimal capUsd() {
      return cap;
    }

    @Override
    public void settle(BigDecimal actualUsd) {
      if (actualUsd.signum() < 0) {
        throw new IllegalArgumentException("a cost must not be negative: " + actualUsd);
      }
      if (claim()) {
        close(this, actualUsd);
      }
    }

    @Override
    public void release() {
      if (claim()) {
        close(this, BigDecimal.ZERO);
      }
    }

    private synchronized boolean claim() {
      if (closed) {
        return false;
      }
      closed = true;
      return true;
    }
  }
}
