package dev.vigil.core;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;

/**
 * A failure as status views show it: the exception's type, message and stack trace as text.
 * Immutable and thread-safe. The stack trace is rendered when first asked for, not when the
 * failure is recorded: a crash loop should not pay for text nobody reads.
 */
public final class ErrorInfo {
  private final Throwable error;
  private final String type;
  private final String message;
  private final Instant at;
  private volatile String stackTrace;

  private ErrorInfo(Throwable error, Instant at) {
    this.error = error;
    this.type = error.getClass().getName();
    this.message = error.getMessage() == null ? "" : error.getMessage();
    this.at = at;
  }

  /** Describes {@code error}, which happened {@code at}. */
  public static ErrorInfo of(Throwable error, Instant at) {
    return new ErrorInfo(java.util.Objects.requireNonNull(error, "error"), at);
  }

  /** The exception's class name. */
  public String type() {
    return type;
  }

  /** Its message, or empty. */
  public String message() {
    return message;
  }

  /** The full stack trace with causes. */
  public String stackTrace() {
    String trace = stackTrace;
    if (trace == null) {
      StringWriter out = new StringWriter();
      error.printStackTrace(new PrintWriter(out));
      trace = out.toString();
      stackTrace = trace;
    }
    return trace;
  }

  /** When it happened. */
  public Instant at() {
    return at;
  }

  /** The failure itself, for attaching as a cause. */
  Throwable cause() {
    return error;
  }

  /** "type: message", as one line. */
  public String summary() {
    return message.isEmpty() ? type : type + ": " + message;
  }

  @Override
  public String toString() {
    return summary() + " at " + at;
  }
}
