package dev.vigil.rounds.fingerprint;

import java.util.List;

/**
 * What a stack trace says: the chain of exceptions, the root cause first.
 *
 * @param format which runtime printed it
 * @param chain the exceptions from the root cause (where it went wrong) to the outermost one
 *     (what was thrown last); never empty
 */
record ParsedStack(Format format, List<Failure> chain) {
  /** The runtimes whose stack traces are understood. */
  enum Format {
    JVM,
    PYTHON,
    GO,
    NODE,
    DOTNET
  }

  /**
   * One exception of a chain.
   *
   * @param type its type as printed ({@code java.lang.IllegalStateException}, {@code KeyError},
   *     {@code panic}); empty when the trace does not say
   * @param message its message as printed, possibly empty
   * @param frames its frames, innermost (where it was thrown) first
   */
  record Failure(String type, String message, List<Frame> frames) {}

  ParsedStack {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("a parsed stack has at least one exception");
    }
  }

  /** The root cause: the first exception of the chain. */
  Failure root() {
    return chain.get(0);
  }
}
