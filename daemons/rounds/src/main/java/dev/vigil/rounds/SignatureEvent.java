package dev.vigil.rounds;

/**
 * What the ingest pipeline publishes on the supervisor's event bus, after the batch that caused it
 * is committed. Subscribe to {@code SignatureEvent.class} for all of them.
 */
public sealed interface SignatureEvent {

  /** The signature as committed with the batch that caused the event. */
  Signature signature();

  /** A signature was seen for the first time. */
  record Created(Signature signature) implements SignatureEvent {}

  /**
   * A signature's occurrence count reached the investigation threshold with this batch (it went
   * from below {@code threshold} to at least {@code threshold}). Published once per signature,
   * whatever its status; subscribers skip muted ones.
   */
  record ThresholdReached(Signature signature, int threshold) implements SignatureEvent {}

  /** A resolved signature recurred and is {@code new} again, with its regression flag set. */
  record Regressed(Signature signature) implements SignatureEvent {}
}
