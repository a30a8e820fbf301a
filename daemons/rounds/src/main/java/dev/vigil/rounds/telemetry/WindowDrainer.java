package dev.vigil.rounds.telemetry;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetrySource.Batch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains a time window from a trace search that has no cursor: Zipkin, Jaeger and Tempo return
 * "up to N traces" of a window, newest first or in no stated order. A search that comes back
 * full may have left traces out, so its window is split in two and each half searched again,
 * older half first, until every searched window comes back short of full. Windows are therefore
 * drained oldest first, which is what makes {@link Batch#backlogFrom} honest: when the event
 * limit is reached, everything before the first unread window has been read.
 *
 * <p>A window already as narrow as the backend's time resolution that still comes back full
 * cannot be split further; what it holds beyond the page is logged as a warning (raise the page
 * size), never dropped silently.
 */
final class WindowDrainer {
  private static final Logger log = LoggerFactory.getLogger(WindowDrainer.class);

  /** One search of a window, both ends inclusive (overlaps are harmless: events are de-duplicated). */
  @FunctionalInterface
  interface WindowSearch {
    Found search(Instant from, Instant to, int maxTraces) throws TelemetryException;
  }

  /**
   * What a search found.
   *
   * @param collected the error events of the traces found, and the rows skipped
   * @param full the backend returned as many traces as asked for (so maybe not all there were)
   */
  record Found(SpanErrors.Collected collected, boolean full) {}

  private final String source;
  private final Duration resolution;
  private final Duration maxWidth;

  /**
   * @param resolution the backend's time unit in its search parameters (1 ms for Zipkin, 1 s for
   *     Tempo): windows are split on its multiples
   * @param maxWidth the widest window the backend searches whole (Zipkin quietly caps
   *     {@code lookback} at its {@code QUERY_LOOKBACK}, one day by default); wider windows are
   *     split before they are searched
   */
  WindowDrainer(String source, Duration resolution, Duration maxWidth) {
    if (resolution.isZero() || resolution.isNegative() || 1_000_000_000L % resolution.toNanos() != 0) {
      throw new IllegalArgumentException("resolution must divide a second: " + resolution);
    }
    this.source = source;
    this.resolution = resolution;
    this.maxWidth = maxWidth;
  }

  private record Window(Instant from, Instant to) {}

  Batch drain(Instant from, Instant to, int pageSize, int limit, WindowSearch search)
      throws TelemetryException {
    List<ErrorEvent> events = new ArrayList<>();
    int skipped = 0;
    Deque<Window> pending = new ArrayDeque<>();
    pending.push(new Window(from, to));
    while (!pending.isEmpty()) {
      Window w = pending.pop();
      if (Duration.between(w.from(), w.to()).compareTo(maxWidth) > 0) {
        Instant mid = split(w);
        pending.push(new Window(mid, w.to()));
        pending.push(new Window(w.from(), mid));
        continue;
      }
      Found found = search.search(w.from(), w.to(), pageSize);
      if (found.full()) {
        Instant mid = split(w);
        if (mid != null) {
          pending.push(new Window(mid, w.to()));
          pending.push(new Window(w.from(), mid));
          continue;
        }
        log.warn(
            "{}: the window {}..{} holds {} or more traces and cannot be split further; traces beyond"
                + " the first {} of it are not read (raise the page size)",
            source, w.from(), w.to(), pageSize, pageSize);
      }
      List<ErrorEvent> got = found.collected().events;
      if (events.size() + got.size() > limit) {
        if (!events.isEmpty()) {
          return new Batch(events, skipped, w.from());
        }
        // A single window with more events than the limit: keep the oldest and resume at the
        // first one left out, unless that would not move past the window's start.
        List<ErrorEvent> sorted = new ArrayList<>(got);
        sorted.sort(Comparator.comparing(ErrorEvent::time));
        Instant resume = sorted.get(limit).time();
        if (resume.isAfter(w.from())) {
          return new Batch(sorted.subList(0, limit), skipped + found.collected().skipped, resume);
        }
      }
      events.addAll(got);
      skipped += found.collected().skipped;
    }
    return new Batch(events, skipped, null);
  }

  /** The middle of the window on a multiple of the resolution, or null if it cannot be split. */
  private Instant split(Window w) {
    Duration width = Duration.between(w.from(), w.to());
    if (width.compareTo(resolution.multipliedBy(2)) < 0) {
      return null;
    }
    Instant mid = w.from().plus(width.dividedBy(2));
    mid = mid.minusNanos(mid.getNano() % resolution.toNanos()); // resolutions divide a second
    return mid.isAfter(w.from()) && mid.isBefore(w.to()) ? mid : null;
  }
}
