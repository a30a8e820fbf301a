package dev.vigil.core;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;

/**
 * A failure as status views show it: the exception's type, message and stack trace as text.
 *
 * @param type the exception's class name
 * @param message its message, or empty
 * @param stackTrace the full stack trace with causes
 * @param at when it happened
 */
public record ErrorInfo(String type, String message, String stackTrace, Instant at) {

  /** Describes {@code error}. */
  public static ErrorInfo of(Throwable error, Instant at) {
    StringWriter trace = new StringWriter();
    error.printStackTrace(new PrintWriter(trace));
    String message = error.getMessage() == null ? "" : error.getMessage();
    return new ErrorInfo(error.getClass().getName(), message, trace.toString(), at);
  }

  /** "type: message", as one line. */
  public String summary() {
    return message.isEmpty() ? type : type + ": " + message;
  }
}
