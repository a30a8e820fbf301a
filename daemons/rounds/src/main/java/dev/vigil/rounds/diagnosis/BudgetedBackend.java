package dev.vigil.rounds.diagnosis;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Puts a model backend behind the {@link BudgetGate}: reserves the per-call cap before the call,
 * settles to the reported cost after (to the whole cap when the cost is unknown, so an unpriced
 * model cannot spend unseen), charges a failed call what it reported (the whole cap when it
 * was killed by its timeout before it could report), and releases the reservation otherwise.
 */
public final class BudgetedBackend implements DiagnosisBackend {

  private final DiagnosisBackend delegate;
  private final BudgetGate budget;
  private final BigDecimal perCallCapUsd;

  /** Wraps {@code delegate}; each call reserves {@code perCallCapUsd}. */
  public BudgetedBackend(DiagnosisBackend delegate, BudgetGate budget, BigDecimal perCallCapUsd) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.budget = Objects.requireNonNull(budget, "budget");
    if (perCallCapUsd.signum() <= 0) {
      throw new IllegalArgumentException("the per-call cap must be positive: " + perCallCapUsd);
    }
    this.perCallCapUsd = perCallCapUsd;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public boolean callsModel() {
    return delegate.callsModel();
  }

  @Override
  public Diagnosis diagnose(InvestigationContext context)
      throws DiagnosisException, InterruptedException {
    BudgetGate.Reservation r;
    try {
      r = budget.reserve(perCallCapUsd, "signature " + context.signature().id());
    } catch (BudgetGate.BudgetExhaustedException e) {
      throw new DiagnosisException(
          DiagnosisException.Kind.BUDGET_EXHAUSTED, e.getMessage(), null, e.resetsAt(), e);
    }
    boolean closed = false;
    try {
      Diagnosis d = delegate.diagnose(context, r);
      r.settle(d.costUsd().orElse(r.capUsd()));
      closed = true;
      return d;
    } catch (DiagnosisException e) {
      if (e.costUsd().isPresent()) {
        r.settle(e.costUsd().get());
      } else if (e.kind() == DiagnosisException.Kind.TIMEOUT) {
        // killed before it could report: it may have spent up to its cap
        r.settle(r.capUsd());
      } else {
        r.release();
      }
      closed = true;
      throw e;
    } finally {
      if (!closed) {
        // interrupted or a bug: the call may have run, so charge the whole cap rather than lose it
        r.settle(r.capUsd());
      }
    }
  }
}
