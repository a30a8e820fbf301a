package dev.vigil.rounds.telemetry;

import java.time.Duration;
import java.util.Objects;

/**
 * How a source talks HTTP: timeouts and the retry budget for 429, 5xx, timeouts and dropped
 * connections.
 *
 * @param connectTimeout to open a connection
 * @param requestTimeout for a whole answer, once connected
 * @param maxAttempts tries per request, the first included (1 = no retry)
 * @param initialBackoff the wait before the second try; doubled for each further one
 * @param maxBackoff the longest wait between tries
 * @param maxRetryAfter the longest {@code Retry-After} honoured; a server asking for more ends
 *     the read at once (the next poll tries again) rather than blocking the poller
 */
record HttpSettings(
    Duration connectTimeout,
    Duration requestTimeout,
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration maxRetryAfter) {

  HttpSettings {
    Objects.requireNonNull(connectTimeout);
    Objects.requireNonNull(requestTimeout);
    Objects.requireNonNull(initialBackoff);
    Objects.requireNonNull(maxBackoff);
    Objects.requireNonNull(maxRetryAfter);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
  }

  /** The wait before try number {@code attempt + 1} when the server named none. */
  Duration backoff(int attempt) {
    long factor = 1L << Math.min(attempt - 1, 30);
    Duration d = initialBackoff.multipliedBy(factor);
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }
}
