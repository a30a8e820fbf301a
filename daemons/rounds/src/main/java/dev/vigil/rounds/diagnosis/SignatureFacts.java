package dev.vigil.rounds.diagnosis;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The facts about a signature that investigations and notifications need: a copy taken from the
 * store, so this package does not depend on the store's types.
 *
 * @param id the store's identifier
 * @param fingerprint the hex fingerprint
 * @param service the service the errors come from
 * @param errorType the raw {@code exception.type}, or empty
 * @param messageTemplate the message with its variable parts masked
 * @param frames the top in-application frames ({@code module::function}), innermost first
 * @param occurrenceCount how many distinct events were counted
 * @param firstSeen the earliest event counted
 * @param lastSeen the latest event counted
 */
public record SignatureFacts(
    long id,
    String fingerprint,
    String service,
    String errorType,
    String messageTemplate,
    List<String> frames,
    long occurrenceCount,
    Instant firstSeen,
    Instant lastSeen) {

  /** Checks the required parts and copies the frames. */
  public SignatureFacts {
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(errorType, "errorType");
    Objects.requireNonNull(messageTemplate, "messageTemplate");
    Objects.requireNonNull(firstSeen, "firstSeen");
    Objects.requireNonNull(lastSeen, "lastSeen");
    frames = List.copyOf(frames);
  }

  /** {@code errorType: messageTemplate}, or the template alone when the type is unknown. */
  public String headline() {
    return errorType.isEmpty() ? messageTemplate : errorType + ": " + messageTemplate;
  }
}
