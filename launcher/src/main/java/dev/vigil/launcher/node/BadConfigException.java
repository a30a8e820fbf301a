package dev.vigil.launcher.node;

import java.util.List;

/** The configuration is unusable; carries every problem found, each naming key, value and origin. */
public final class BadConfigException extends RuntimeException {
  private final List<String> problems;

  /** One exception for all {@code problems}. */
  public BadConfigException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem, one line each. */
  public List<String> problems() {
    return problems;
  }
}
