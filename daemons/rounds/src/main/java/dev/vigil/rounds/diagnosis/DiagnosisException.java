package dev.vigil.rounds.diagnosis;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A diagnosis failed. {@link #kind()} says whether trying again later can help; {@link #costUsd()}
 * is what the failed attempt was reported to cost, so the budget is charged for it.
 */
public final class DiagnosisException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a diagnosis failed. */
  public enum Kind {
    /** The daily budget has no room for the per-call cap; try after {@link #retryAfter()}. */
    BUDGET_EXHAUSTED(true),
    /** The model ran but ended in an error (is_error, max turns, max budget, refusal...). */
    MODEL_ERROR(true),
    /** The model answered, but not with a valid answer. */
    MALFORMED_ANSWER(true),
    /** The call overran its timeout and was killed. */
    TIMEOUT(true),
    /** Rate limited or overloaded after the retries. */
    RATE_LIMITED(true),
    /** Server errors, connection failures, a process that would not start. */
    UNAVAILABLE(true),
    /** Rejected for a reason retrying will not fix: bad key, bad request, no quota. */
    REJECTED(false);

    private final boolean transientFailure;

    Kind(boolean transientFailure) {
      this.transientFailure = transientFailure;
    }

    /** True when the same call may succeed later. */
    public boolean isTransient() {
      return transientFailure;
    }
  }

  private final Kind kind;
  private final BigDecimal costUsd;
  private final Instant retryAfter;

  /** A failure that cost nothing that was reported. */
  public DiagnosisException(Kind kind, String message) {
    this(kind, message, null, null, null);
  }

  /** A failure with what it cost (may be null), when to retry (may be null) and the cause. */
  public DiagnosisException(
      Kind kind, String message, BigDecimal costUsd, Instant retryAfter, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.costUsd = costUsd;
    this.retryAfter = retryAfter;
  }

  /** Why it failed. */
  public Kind kind() {
    return kind;
  }

  /** What the failed call was reported to cost, if it was. */
  public Optional<BigDecimal> costUsd() {
    return Optional.ofNullable(costUsd);
  }

  /** The earliest time a retry makes sense, when the failure says (budget reset, rate limit). */
  public Optional<Instant> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** The same failure carrying a cost. */
  DiagnosisException withCost(BigDecimal cost) {
    DiagnosisException copy = new DiagnosisException(kind, getMessage(), cost, retryAfter, getCause());
    copy.setStackTrace(getStackTrace());
    return copy;
  }
}
