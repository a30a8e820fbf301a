package dev.vigil.rounds.diagnosis;

import java.util.List;
import java.util.Objects;

/**
 * The answer a model gives, validated against the answer schema
 * ({@code {"root_cause", "evidence", "suggested_fix", "confidence"}}).
 *
 * @param rootCause what is wrong, non-blank
 * @param evidence the facts that support it, possibly empty
 * @param suggestedFix what to change, non-blank
 * @param confidence how sure the model is
 */
public record Answer(
    String rootCause, List<String> evidence, String suggestedFix, Confidence confidence) {

  /** Rejects blank texts and copies the evidence. */
  public Answer {
    if (rootCause == null || rootCause.isBlank()) {
      throw new IllegalArgumentException("root_cause must be a non-blank string");
    }
    if (suggestedFix == null || suggestedFix.isBlank()) {
      throw new IllegalArgumentException("suggested_fix must be a non-blank string");
    }
    Objects.requireNonNull(confidence, "confidence");
    evidence = List.copyOf(evidence);
  }
}
