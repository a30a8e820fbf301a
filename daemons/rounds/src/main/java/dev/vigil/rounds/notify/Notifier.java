package dev.vigil.rounds.notify;

/**
 * Delivers notifications to one place (stdout, markdown files, GitHub issues). Called by the
 * {@link NotificationDispatcher} from one thread at a time per notifier; {@link #send} may block
 * on I/O and must be idempotent enough that a retry after a half-done send does no harm.
 */
public interface Notifier {

  /** The name as {@code NOTIFICATION_BACKEND} spells it. */
  String name();

  /**
   * Delivers one notification.
   *
   * @throws NotificationException if it was not delivered; {@link NotificationException#retryable()}
   *     says whether a retry can help
   */
  void send(Notification notification) throws NotificationException;
}
