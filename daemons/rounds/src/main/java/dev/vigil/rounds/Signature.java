package dev.vigil.rounds;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A group of errors that share a fingerprint: the unit Vigil counts, investigates and reports.
 *
 * @param id the store's identifier
 * @param fingerprint the hex fingerprint (unique in the store)
 * @param fingerprintVersion the version of the fingerprint algorithm that made it
 * @param service the service the errors come from
 * @param errorType the raw {@code exception.type}, or empty
 * @param messageTemplate the message with its variable parts masked
 * @param frames the top in-application stack frames ({@code module::function}), outermost last
 * @param status where it is in its life
 * @param regression true once a resolved signature has recurred
 * @param occurrenceCount how many distinct events it has counted
 * @param firstSeen the earliest event time counted
 * @param lastSeen the latest event time counted
 * @param statusChangedAt when the status last changed (the creation time at first)
 */
public record Signature(
    long id,
    String fingerprint,
    int fingerprintVersion,
    String service,
    String errorType,
    String messageTemplate,
    List<String> frames,
    SignatureStatus status,
    boolean regression,
    long occurrenceCount,
    Instant firstSeen,
    Instant lastSeen,
    Instant statusChangedAt) {

  /** Checks the required parts and copies the frames. */
  public Signature {
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(errorType, "errorType");
    Objects.requireNonNull(messageTemplate, "messageTemplate");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(firstSeen, "firstSeen");
    Objects.requireNonNull(lastSeen, "lastSeen");
    Objects.requireNonNull(statusChangedAt, "statusChangedAt");
    frames = List.copyOf(frames);
  }
}
