package dev.vigil.rounds.telemetry;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the waits a source asks for and returns at once, so backoff runs in no time. */
final class RecordingSleeper implements Sleeper {
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  @Override
  public void sleep(Duration duration) {
    sleeps.add(duration);
  }
}
