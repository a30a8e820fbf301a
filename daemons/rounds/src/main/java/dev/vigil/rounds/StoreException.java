package dev.vigil.rounds;

/** The signature store could not do what was asked (I/O, lock timeout, corrupt or too new schema). */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with its cause. */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A failure. */
  public StoreException(String message) {
    super(message);
  }
}
