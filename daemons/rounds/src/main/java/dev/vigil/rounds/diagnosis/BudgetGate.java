package dev.vigil.rounds.diagnosis;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

/**
 * The daily model budget: every call to a model reserves its per-call cap here before it runs and
 * settles to the actual cost after, so concurrent callers (workers, the CLI, the HTTP API, other
 * nodes sharing a store) can never together spend past the daily limit.
 *
 * <p>Implementations are thread-safe and check the limit atomically with the reservation (the
 * store's implementation does both in one transaction). The day resets at midnight in the
 * configured time zone; a reservation belongs to the day it was made.
 */
public interface BudgetGate {

  /**
   * Reserves {@code capUsd} for one call.
   *
   * @param capUsd the most the call may cost (the per-call cap), positive
   * @param purpose what the call is for, for the ledger ({@code signature 42}, ...)
   * @throws BudgetExhaustedException when the day's spend plus open reservations plus the cap
   *     would exceed the daily limit (or the limit is zero)
   */
  Reservation reserve(BigDecimal capUsd, String purpose) throws BudgetExhaustedException;

  /** The day's figures now. */
  BudgetSnapshot snapshot();

  /** A reserved amount, settled or released exactly once; later calls do nothing. */
  interface Reservation {
    /** What was reserved. */
    BigDecimal capUsd();

    /** Charges the actual cost (which may exceed the cap: the CLI checks its own cap after a call). */
    void settle(BigDecimal actualUsd);

    /** Frees the reservation: the call failed before it cost anything. */
    void release();

    /** Its row in a stored ledger, empty for a gate that keeps none. */
    default java.util.OptionalLong ledgerId() {
      return java.util.OptionalLong.empty();
    }
  }

  /**
   * The budget's state at one moment.
   *
   * @param day the budget day
   * @param limitUsd the daily limit (zero: model calls are disabled)
   * @param spentUsd settled spend of the day
   * @param reservedUsd reservations still open
   * @param resetsAt when the next day starts
   */
  record BudgetSnapshot(
      LocalDate day, BigDecimal limitUsd, BigDecimal spentUsd, BigDecimal reservedUsd,
      Instant resetsAt) {
    /** What can still be reserved today (never negative). */
    public BigDecimal remainingUsd() {
      BigDecimal r = limitUsd.subtract(spentUsd).subtract(reservedUsd);
      return r.signum() < 0 ? BigDecimal.ZERO : r;
    }
  }

  /** No room in today's budget. */
  final class BudgetExhaustedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final Instant resetsAt;

    /** Exhausted until {@code resetsAt}. */
    public BudgetExhaustedException(String message, Instant resetsAt) {
      super(message);
      this.resetsAt = resetsAt;
    }

    /** When the budget resets. */
    public Instant resetsAt() {
      return resetsAt;
    }
  }
}
