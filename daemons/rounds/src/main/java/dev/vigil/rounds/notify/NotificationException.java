package dev.vigil.rounds.notify;

import java.time.Instant;
import java.util.Optional;

/** A notification was not delivered. */
public final class NotificationException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;
  private final Instant retryAt;

  /** A failure; {@code retryAt} (may be null) is the earliest useful retry, as a server said. */
  public NotificationException(String message, boolean retryable, Instant retryAt, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
    this.retryAt = retryAt;
  }

  /** A failure a later retry may fix. */
  public static NotificationException transientFailure(String message, Throwable cause) {
    return new NotificationException(message, true, null, cause);
  }

  /** A failure no retry will fix without an operator (bad token, validation error). */
  public static NotificationException permanent(String message) {
    return new NotificationException(message, false, null, null);
  }

  /** True when trying again later may succeed. */
  public boolean retryable() {
    return retryable;
  }

  /** The earliest time a retry makes sense, when the server said. */
  public Optional<Instant> retryAt() {
    return Optional.ofNullable(retryAt);
  }
}
