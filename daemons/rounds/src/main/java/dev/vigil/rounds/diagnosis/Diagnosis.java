package dev.vigil.rounds.diagnosis;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link DiagnosisBackend} concluded about one signature, validated: the same shape for
 * every backend.
 *
 * @param rootCause what is wrong
 * @param evidence the facts that support it
 * @param suggestedFix what to change
 * @param confidence how sure the backend is ({@link Confidence#LOW} for the evidence report)
 * @param model the model that answered as the backend reported it, {@code none} without a model
 * @param costUsd what the call actually cost, as reported (CLI) or computed from the reported
 *     token usage and the price table (HTTP APIs); empty when the model has no known price
 * @param duration how long the call took
 */
public record Diagnosis(
    String rootCause,
    List<String> evidence,
    String suggestedFix,
    Confidence confidence,
    String model,
    Optional<BigDecimal> costUsd,
    Duration duration) {

  /** The model name of a report made without a model. */
  public static final String NO_MODEL = "none";

  /** Checks every part and copies the evidence. */
  public Diagnosis {
    Objects.requireNonNull(rootCause, "rootCause");
    Objects.requireNonNull(suggestedFix, "suggestedFix");
    Objects.requireNonNull(confidence, "confidence");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(costUsd, "costUsd");
    Objects.requireNonNull(duration, "duration");
    evidence = List.copyOf(evidence);
    if (costUsd.isPresent() && costUsd.get().signum() < 0) {
      throw new IllegalArgumentException("costUsd must not be negative: " + costUsd.get());
    }
  }

  /** A diagnosis made of a validated answer and the call's facts. */
  public static Diagnosis of(
      Answer answer, String model, Optional<BigDecimal> costUsd, Duration duration) {
    return new Diagnosis(
        answer.rootCause(),
        answer.evidence(),
        answer.suggestedFix(),
        answer.confidence(),
        model,
        costUsd,
        duration);
  }
}
