package dev.vigil.rounds;

import java.util.List;

/**
 * Where error events go to be fingerprinted, de-duplicated and counted: the port between the
 * telemetry side (the OTLP receiver pushes, the poller pulls) and the signature store.
 */
@FunctionalInterface
public interface EventSink {
  /**
   * Ingests {@code events} and returns only once they are durably committed, so a caller that
   * acknowledges its sender afterwards never loses an acknowledged event. Events already seen
   * (same identity) are counted once.
   *
   * @return what happened to them
   * @throws RuntimeException if they could not be committed; none of them counts then
   */
  IngestResult ingest(List<ErrorEvent> events);

  /**
   * What one {@link #ingest} call did.
   *
   * @param accepted events counted now
   * @param duplicates events seen before, dropped
   * @param newSignatures signatures this call created
   * @param updatedSignatures existing signatures whose count moved
   */
  record IngestResult(int accepted, int duplicates, int newSignatures, int updatedSignatures) {}
}
