package dev.vigil.rounds;

/**
 * A telemetry backend could not be read; {@link #kind()} is what the poller's health and metrics
 * count it as.
 */
public final class TelemetryException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a read failed, as the poller's {@code errors by kind} metric labels it. */
  public enum Kind {
    /** 401 or 403: the credential is missing or wrong. */
    AUTH,
    /** 429 after the retries. */
    RATE_LIMITED,
    /** 5xx after the retries. */
    SERVER_ERROR,
    /** Another status the source cannot use (400, 404, ...). */
    UNEXPECTED_STATUS,
    /** No answer within the timeout. */
    TIMEOUT,
    /** Connection refused, DNS failure, reset. */
    UNREACHABLE,
    /** The answer is not the format the API documents. */
    MALFORMED
  }

  private final Kind kind;

  /** A failure of this kind. */
  public TelemetryException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** A failure of this kind. */
  public TelemetryException(Kind kind, String message) {
    this(kind, message, null);
  }

  /** What kind of failure this is. */
  public Kind kind() {
    return kind;
  }
}
