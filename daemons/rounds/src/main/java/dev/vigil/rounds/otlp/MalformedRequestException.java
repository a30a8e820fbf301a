package dev.vigil.rounds.otlp;

/** An OTLP request body that cannot be read; the message says where and why (400 / INVALID_ARGUMENT). */
final class MalformedRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  MalformedRequestException(String message) {
    super(message, null, false, false);
  }
}
