package dev.vigil.rounds.investigation;

import dev.vigil.rounds.diagnosis.Diagnosis;
import java.time.Instant;
import java.util.Objects;

/**
 * A diagnosis as the store keeps it.
 *
 * @param id the store's id (increasing: the latest diagnosis has the highest)
 * @param signatureId the signature it is about
 * @param backend the backend that made it ({@code evidence}, {@code claude_code}, ...)
 * @param diagnosis what it concluded, with model, cost and duration
 * @param occurrenceCount the signature's count when it was made
 * @param createdAt when it was stored
 */
public record StoredDiagnosis(
    long id, long signatureId, String backend, Diagnosis diagnosis, long occurrenceCount,
    Instant createdAt) {
  /** Checks the parts. */
  public StoredDiagnosis {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(diagnosis, "diagnosis");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
