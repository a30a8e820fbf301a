package dev.vigil.rounds;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The port to where signatures, their samples, the audit log, the per-source watermarks and the
 * seen-event identities are kept. SQLite is the embedded adapter ({@code
 * dev.vigil.rounds.store.SqliteSignatureStore}); a shared PostgreSQL adapter implements the same
 * contract.
 *
 * <p>Contract every adapter keeps:
 *
 * <ul>
 *   <li>{@link #ingest} is one transaction: the seen identities, the counts, first/last seen, the
 *       samples, any regression and the watermark advance are all committed together or not at
 *       all; it returns only once the transaction is durable.
 *   <li>Counts and first/last seen move in SQL ({@code count = count + ?}, min/max), never by
 *       read-modify-write, so concurrent writers cannot lose an update.
 *   <li>An event whose identity (trace id, span id, time, fingerprint) was committed before is not
 *       counted again, however often it is offered, until its identity expires ({@link
 *       #expireSeen}).
 *   <li>Every status change writes an {@link AuditEntry} in the same transaction.
 * </ul>
 *
 * Methods may block on I/O and are safe to call from several threads; failures are {@link
 * StoreException}s.
 */
public interface SignatureStore extends AutoCloseable {

  /**
   * Counts {@code events} (each already fingerprinted) and, in the same transaction, moves the
   * watermark of a polled source.
   *
   * @param now the ingest time (for the audit log, status times and expiry of seen identities)
   * @param advance the watermark to record with the batch, or null (pushed events)
   * @return what the batch changed
   * @throws StoreException if it could not be committed; then nothing of it is
   */
  IngestOutcome ingest(List<GroupedEvent> events, Instant now, WatermarkAdvance advance);

  /** The recorded watermark of a polled source, if it has one. */
  Optional<Watermark> watermark(String source);

  /** The signatures matching {@code query}, most recently seen first. */
  List<Signature> list(Query query);

  /** The signature with this id. */
  Optional<Signature> get(long id);

  /** The signature with this fingerprint. */
  Optional<Signature> byFingerprint(String fingerprint);

  /** The kept samples of a signature, newest first (at most the ring size). */
  List<Sample> samples(long signatureId);

  /** The audit trail of a signature, oldest first. */
  List<AuditEntry> audit(long signatureId);

  /**
   * Moves a signature to {@code to} and audits it, in one transaction.
   *
   * @return the signature after the move, or empty if there is no such signature
   * @throws IllegalTransitionException if its current status cannot move to {@code to}
   */
  Optional<Signature> transition(
      long signatureId, SignatureStatus to, String actor, String reason, Instant at);

  /**
   * Forgets seen identities committed before {@code ingestedBefore} whose event time is also
   * older than every source's watermark minus {@code overlap} (so a polled window can never be
   * read again with its identities gone).
   *
   * @return how many were forgotten
   */
  int expireSeen(Instant ingestedBefore, Duration overlap);

  /** Releases the store's connections. */
  @Override
  void close();

  /**
   * An event with the grouping the fingerprint algorithm gave it.
   *
   * @param event the event
   * @param grouping its fingerprint, template and frames
   */
  record GroupedEvent(ErrorEvent event, Fingerprinting.Result grouping) {
    /** Checks both parts. */
    public GroupedEvent {
      Objects.requireNonNull(event, "event");
      Objects.requireNonNull(grouping, "grouping");
    }
  }

  /**
   * A watermark to record with a batch: everything of {@code source} before {@code position} has
   * been read.
   *
   * @param source the polled source's name
   * @param position the new position; the stored one never moves backwards
   * @param backlogFrom where a recorded backlog begins (the window was not drained), or null
   */
  record WatermarkAdvance(String source, Instant position, Instant backlogFrom) {
    /** Checks the required parts. */
    public WatermarkAdvance {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(position, "position");
    }
  }

  /**
   * A source's recorded watermark.
   *
   * @param source the polled source's name
   * @param position everything before this has been read
   * @param backlogFrom where a recorded backlog begins, or null when the last window was drained
   * @param updatedAt when it was last recorded
   */
  record Watermark(String source, Instant position, Instant backlogFrom, Instant updatedAt) {}

  /**
   * What one signature went through in a batch.
   *
   * @param signature the signature as committed
   * @param added events of this batch it counted
   * @param created true if the batch created it
   * @param regressed true if the batch reopened it from resolved
   */
  record Touched(Signature signature, long added, boolean created, boolean regressed) {}

  /**
   * What one {@link #ingest} did.
   *
   * @param accepted events counted
   * @param duplicates events whose identity was seen before (or twice in the batch)
   * @param touched each signature the batch counted into, in first-seen order
   */
  record IngestOutcome(int accepted, int duplicates, List<Touched> touched) {
    /** Copies the list. */
    public IngestOutcome {
      touched = List.copyOf(touched);
    }
  }

  /**
   * Which signatures {@link #list} returns.
   *
   * @param status only this status, or null for all
   * @param service only this service, or null for all
   * @param limit at most this many
   */
  record Query(SignatureStatus status, String service, int limit) {
    /** All signatures, up to {@code limit}. */
    public static Query all(int limit) {
      return new Query(null, null, limit);
    }
  }

  /** A status change the lifecycle does not allow. */
  final class IllegalTransitionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** Signature {@code id} cannot move from {@code from} to {@code to}. */
    public IllegalTransitionException(long id, SignatureStatus from, SignatureStatus to) {
      super(
          "Expected signature "
              + id
              + " to be in a status that can move to "
              + to.wireName()
              + ", but it is "
              + from.wireName()
              + " (from "
              + from.wireName()
              + " it can move to "
              + from.next().stream().map(SignatureStatus::wireName).toList()
              + ")");
    }
  }
}
