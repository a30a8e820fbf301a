package dev.vigil.rounds.investigation;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a signature stands with the investigator, besides its status.
 *
 * @param signatureId the signature
 * @param leaseUntil while an investigation holds it, until when; null when free
 * @param leaseOwner who holds (or last held) the lease, or empty
 * @param attempts failed attempts since the last diagnosis
 * @param nextAttemptAt no retry before this (backoff, budget reset), or null
 * @param needsHuman true once {@code attempts} reached the limit: no more automatic attempts
 * @param lastError why the last attempt failed, or empty
 * @param forced true when an operator asked for a new investigation (reinvestigate)
 * @param diagnosedCount the occurrence count when it was last diagnosed, or -1 if never
 * @param diagnosedAt when it was last diagnosed, or null
 */
public record InvestigationState(
    long signatureId,
    Instant leaseUntil,
    String leaseOwner,
    int attempts,
    Instant nextAttemptAt,
    boolean needsHuman,
    String lastError,
    boolean forced,
    long diagnosedCount,
    Instant diagnosedAt) {

  /** Checks the required parts. */
  public InvestigationState {
    Objects.requireNonNull(leaseOwner, "leaseOwner");
    Objects.requireNonNull(lastError, "lastError");
  }

  /** The state of a signature the investigator never touched. */
  public static InvestigationState none(long signatureId) {
    return new InvestigationState(signatureId, null, "", 0, null, false, "", false, -1, null);
  }
}
