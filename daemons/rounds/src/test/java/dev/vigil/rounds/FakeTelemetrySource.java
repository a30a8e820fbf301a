package dev.vigil.rounds;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory backend for tests: events become visible at their time plus a per-event indexing
 * delay (read from a clock), are served oldest first, and a read stops at {@code limit} with the
 * time of the first unread event as the backlog. Failures can be queued for the next reads.
 */
public final class FakeTelemetrySource implements TelemetrySource {
  private final String name;
  private final Clock clock;
  private final List<Stored> events = new CopyOnWriteArrayList<>();
  private final List<TelemetryException> failures = new CopyOnWriteArrayList<>();
  private final AtomicInteger reads = new AtomicInteger();

  private record Stored(ErrorEvent event, Instant visibleAt) {}

  public FakeTelemetrySource(String name, Clock clock) {
    this.name = name;
    this.clock = clock;
  }

  /** Adds an event that the backend shows once its time plus {@code indexingDelay} has passed. */
  public void add(ErrorEvent event, Duration indexingDelay) {
    events.add(new Stored(event, event.time().plus(indexingDelay)));
  }

  /** The next read fails with this. */
  public void failNext(TelemetryException failure) {
    failures.add(failure);
  }

  public int reads() {
    return reads.get();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Batch fetch(Instant from, Instant to, int pageSize, int limit) throws TelemetryException {
    reads.incrementAndGet();
    if (!failures.isEmpty()) {
      throw failures.remove(0);
    }
    Instant now = clock.instant();
    List<ErrorEvent> window =
        events.stream()
            .filter(s -> !s.visibleAt().isAfter(now))
            .map(Stored::event)
            .filter(e -> !e.time().isBefore(from) && e.time().isBefore(to))
            .sorted(Comparator.comparing(ErrorEvent::time))
            .toList();
    if (window.size() <= limit) {
      return new Batch(window, 0, null);
    }
    List<ErrorEvent> page = new ArrayList<>(window.subList(0, limit));
    Instant resume = window.get(limit).time();
    // events of the resume instant that were read are read again next time (and de-duplicated)
    return new Batch(page, 0, resume.isAfter(from) ? resume : resume.plusNanos(1));
  }
}
