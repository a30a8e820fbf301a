package dev.vigil.core;

import java.util.List;

/** Thrown when daemon specs or a profile are invalid; carries every problem found, not just the first. */
public final class InvalidSpecException extends RuntimeException {
  private final List<String> problems;

  /** One exception for all of {@code problems}, which must not be empty. */
  public InvalidSpecException(List<String> problems) {
    super(
        problems.size() == 1
            ? problems.get(0)
            : problems.size() + " problems:\n  - " + String.join("\n  - ", problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an InvalidSpecException needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /** Every problem, each naming the daemon, the key or relation, and why. */
  public List<String> problems() {
    return problems;
  }
}
