package dev.vigil.rounds.store;

import dev.vigil.rounds.diagnosis.BudgetGate;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The {@link BudgetGate} on the store's ledger ({@code budget_ledger}), so the daily limit holds
 * across restarts, threads, the CLI and several nodes sharing the file: each reservation checks
 * the day's settled spend plus open reservations plus its cap against the limit and inserts its
 * row in the same {@code BEGIN IMMEDIATE} transaction.
 *
 * <p>The budget day is the date in {@code zone} when the reservation was made; a reservation
 * settled after midnight still counts against the day it was made in. A reservation still open
 * {@code hold} after it was made belongs to a holder that died (a {@code kill -9} during a call):
 * it is <em>expired</em> and charged its whole cap, since the call it guarded may have spent up to
 * it before dying; the ledger never under-counts. Expiry runs in every reservation's transaction
 * and when the daemon starts.
 */
public final class SqliteBudgetGate implements BudgetGate {
  private final Supplier<SqliteDiagnosisStore> store;
  private final BigDecimal limit;
  private final ZoneId zone;
  private final Clock clock;
  private final Duration hold;
  private final String holder;

  /**
   * A gate on {@code store}'s ledger.
   *
   * @param dailyLimitUsd the limit per day; zero disables model calls
   * @param hold how long a reservation may stay open before it counts as its holder's crash (longer
   *     than the longest call: the lease duration)
   * @param holder who reserves, for the ledger ({@code node:host}, {@code cli})
   */
  public SqliteBudgetGate(
      Supplier<SqliteDiagnosisStore> store, BigDecimal dailyLimitUsd, ZoneId zone, Clock clock,
      Duration hold, String holder) {
    this.store = Objects.requireNonNull(store, "store");
    if (dailyLimitUsd.signum() < 0) {
      throw new IllegalArgumentException("the daily limit must not be negative: " + dailyLimitUsd);
    }
    this.limit = dailyLimitUsd;
    this.zone = Objects.requireNonNull(zone, "zone");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (hold.isNegative() || hold.isZero()) {
      throw new IllegalArgumentException("hold must be positive: " + hold);
    }
    this.hold = hold;
    this.holder = Objects.requireNonNull(holder, "holder");
  }

  @Override
  public Reservation reserve(BigDecimal capUsd, String purpose) throws BudgetExhaustedException {
    if (capUsd.signum() <= 0) {
      throw new IllegalArgumentException("a reservation must be positive: " + capUsd);
    }
    Instant now = clock.instant();
    LocalDate day = LocalDate.ofInstant(now, zone);
    Instant resetsAt = day.plusDays(1).atStartOfDay(zone).toInstant();
    if (limit.signum() == 0) {
      throw new BudgetExhaustedException("the daily budget limit is 0: model calls are disabled", resetsAt);
    }
    long cap = SqliteDiagnosisStore.micros(capUsd);
    SqliteDiagnosisStore.ReserveResult r =
        store.get().reserve(day.toString(), purpose, holder, cap, SqliteDiagnosisStore.micros(limit), now, now.plus(hold));
    if (r.id() < 0) {
      throw new BudgetExhaustedException(
          "budget exhausted until " + until(resetsAt) + ": spent "
              + money(SqliteDiagnosisStore.usd(r.figures().spentMicros())) + " and reserved "
              + money(SqliteDiagnosisStore.usd(r.figures().reservedMicros())) + " of " + money(limit)
              + " USD today, a call needs " + money(capUsd),
          resetsAt);
    }
    return new Row(r.id(), capUsd);
  }

  @Override
  public BudgetSnapshot snapshot() {
    Instant now = clock.instant();
    LocalDate day = LocalDate.ofInstant(now, zone);
    SqliteDiagnosisStore.DayFigures f = store.get().figures(day.toString());
    return new BudgetSnapshot(
        day, limit, SqliteDiagnosisStore.usd(f.spentMicros()), SqliteDiagnosisStore.usd(f.reservedMicros()),
        day.plusDays(1).atStartOfDay(zone).toInstant());
  }

  /** {@code 00:00 UTC}: when the budget day ends, as health and errors say it. */
  public String until(Instant resetsAt) {
    return "00:00 " + zone.getId() + " (" + DateTimeFormatter.ISO_INSTANT.format(resetsAt) + ")";
  }

  private static String money(BigDecimal v) {
    return v.setScale(2, RoundingMode.HALF_UP).toPlainString();
  }

  private final class Row implements Reservation {
    private final long id;
    private final BigDecimal cap;
    private final AtomicBoolean closed = new AtomicBoolean();

    Row(long id, BigDecimal cap) {
      this.id = id;
      this.cap = cap;
    }

    @Override
    public BigDecimal capUsd() {
      return cap;
    }

    @Override
    public java.util.OptionalLong ledgerId() {
      return java.util.OptionalLong.of(id);
    }

    @Override
    public void settle(BigDecimal actualUsd) {
      if (actualUsd.signum() < 0) {
        throw new IllegalArgumentException("a cost must not be negative: " + actualUsd);
      }
      if (closed.compareAndSet(false, true)) {
        store.get().closeReservation(id, true, SqliteDiagnosisStore.micros(actualUsd), clock.instant());
      }
    }

    @Override
    public void release() {
      if (closed.compareAndSet(false, true)) {
        store.get().closeReservation(id, false, 0, clock.instant());
      }
    }
  }
}
