package dev.vigil.rounds.diagnosis;

import java.util.Locale;

/** How sure a diagnosis is, as the model rates it (the evidence report is always {@link #LOW}). */
public enum Confidence {
  HIGH,
  MEDIUM,
  LOW;

  /** The lower-case name used in answers, config and JSON ({@code high}, {@code medium}, {@code low}). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads a wire name, case-insensitively.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static Confidence parse(String text) {
    for (Confidence c : values()) {
      if (c.wireName().equalsIgnoreCase(text.strip())) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "confidence must be high, medium or low, but is \"" + text + "\"");
  }
}
