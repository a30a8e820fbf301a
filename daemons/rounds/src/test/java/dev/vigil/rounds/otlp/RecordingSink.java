package dev.vigil.rounds.otlp;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.EventSink;
import java.util.ArrayList;
import java.util.List;

/** An event sink that keeps what it is given, or fails when told to; thread-safe. */
final class RecordingSink implements EventSink {
  private final List<ErrorEvent> events = new ArrayList<>();
  private int calls;
  private volatile RuntimeException failure;

  @Override
  public synchronized IngestResult ingest(List<ErrorEvent> batch) {
    calls++;
    RuntimeException f = failure;
    if (f != null) {
      throw f;
    }
    events.addAll(batch);
    return new IngestResult(batch.size(), 0, 0, 0);
  }

  void failWith(RuntimeException e) {
    failure = e;
  }

  synchronized List<ErrorEvent> events() {
    return List.copyOf(events);
  }

  synchronized int calls() {
    return calls;
  }
}
