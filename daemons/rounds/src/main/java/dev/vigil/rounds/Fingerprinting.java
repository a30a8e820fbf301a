package dev.vigil.rounds;

import java.util.List;
import java.util.Objects;

/**
 * The port through which the ingest pipeline groups an error: the fingerprint algorithm (package
 * {@code dev.vigil.rounds.fingerprint}) is adapted to it by {@link RoundsModule}. Implementations
 * are pure, thread-safe and stable across runs, JVMs and nodes.
 */
@FunctionalInterface
public interface Fingerprinting {

  /** Groups one error. */
  Result fingerprint(String service, String errorType, String message, String stackTrace);

  /**
   * How one error groups.
   *
   * @param fingerprint the hex fingerprint
   * @param version the fingerprint algorithm's version
   * @param template the message with its variable parts masked
   * @param frames the top in-application frames ({@code module::function})
   */
  record Result(String fingerprint, int version, String template, List<String> frames) {
    /** Checks the parts and copies the frames. */
    public Result {
      Objects.requireNonNull(fingerprint, "fingerprint");
      Objects.requireNonNull(template, "template");
      frames = List.copyOf(frames);
    }
  }
}
