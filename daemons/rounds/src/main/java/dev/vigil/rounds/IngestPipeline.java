package dev.vigil.rounds;

import dev.vigil.core.EventBus;
import dev.vigil.rounds.SignatureStore.GroupedEvent;
import dev.vigil.rounds.SignatureStore.IngestOutcome;
import dev.vigil.rounds.SignatureStore.Touched;
import dev.vigil.rounds.SignatureStore.WatermarkAdvance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns error events into signature counts: fingerprints each event, hands the batch to the {@link
 * SignatureStore} (which de-duplicates by identity, counts and samples in one transaction), and
 * after the commit publishes what changed as {@link SignatureEvent}s. Shared by the poller and the
 * OTLP receiver; safe to call from many threads at once (fingerprinting runs in the caller's thread,
 * the store serialises the writes).
 */
public final class IngestPipeline {
  private static final Logger log = LoggerFactory.getLogger(IngestPipeline.class);

  private final Supplier<SignatureStore> store;
  private final Fingerprinting fingerprinting;
  private final Settings settings;
  private final Clock clock;
  private final RoundsMetrics metrics;
  private final Object expiryLock = new Object();
  private Instant lastExpiry; // guarded by expiryLock

  /**
   * What the pipeline needs to know.
   *
   * @param investigationThreshold the occurrence count at which {@link
   *     SignatureEvent.ThresholdReached} is published
   * @param seenRetention how long a counted identity is kept at least (longer if a polled source
   *     could still read it again)
   * @param overlap the pollers' window overlap: identities within it of a watermark are kept
   * @param expiryInterval how often old identities are swept
   */
  public record Settings(
      int investigationThreshold, Duration seenRetention, Duration overlap, Duration expiryInterval) {
    /** Checks the values. */
    public Settings {
      if (investigationThreshold < 1) {
        throw new IllegalArgumentException(
            "investigation threshold " + investigationThreshold + " must be at least 1");
      }
      Objects.requireNonNull(seenRetention, "seenRetention");
      Objects.requireNonNull(overlap, "overlap");
      Objects.requireNonNull(expiryInterval, "expiryInterval");
    }
  }

  /**
   * @param store the store to write to, looked up per batch (it is opened and closed by the
   *     store daemon; a batch while it is closed fails)
   */
  public IngestPipeline(
      Supplier<SignatureStore> store,
      Fingerprinting fingerprinting,
      Settings settings,
      Clock clock,
      RoundsMetrics metrics) {
    this.store = Objects.requireNonNull(store, "store");
    this.fingerprinting = Objects.requireNonNull(fingerprinting, "fingerprinting");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  /** An {@link EventSink} for pushed events (no watermark) that publishes on {@code bus}. */
  public EventSink sink(EventBus bus) {
    Objects.requireNonNull(bus, "bus");
    return sink(e -> bus.publish((Record) e));
  }

  /** An {@link EventSink} for pushed events (no watermark) that hands its events to {@code publish}. */
  public EventSink sink(Consumer<SignatureEvent> publish) {
    Objects.requireNonNull(publish, "publish");
    return events -> ingest(events, null, publish);
  }

  /**
   * Ingests {@code events} and, in the same transaction, records {@code advance}; returns once it
   * is committed, then publishes the batch's {@link SignatureEvent}s to {@code publish} (in the
   * calling thread).
   *
   * @param advance the polled source's new watermark, or null for pushed events
   * @throws StoreException if the batch could not be committed; nothing of it counts then
   */
  public EventSink.IngestResult ingest(
      List<ErrorEvent> events, WatermarkAdvance advance, Consumer<SignatureEvent> publish) {
    String source = events.isEmpty() ? (advance == null ? "none" : advance.source()) : events.get(0).source();
    List<GroupedEvent> grouped = new ArrayList<>(events.size());
    int rejected = 0;
    for (ErrorEvent e : events) {
      try {
        grouped.add(
            new GroupedEvent(
                e,
                fingerprinting.fingerprint(e.service(), e.errorType(), e.message(), e.stackTrace())));
      } catch (RuntimeException bad) {
        // one event the algorithm chokes on must not block the batch (a poller would re-read it
        // forever); it is logged with enough to reproduce and counted
        rejected++;
        log.warn(
            "could not fingerprint an event of service {} type {} at {}; skipped",
            e.service(),
            e.errorType(),
            e.time(),
            bad);
      }
    }
    if (rejected > 0) {
      metrics.rejected(source, rejected);
    }
    Instant now = clock.instant();
    IngestOutcome outcome = store.get().ingest(grouped, now, advance);
    int created = 0;
    int updated = 0;
    for (Touched t : outcome.touched()) {
      if (t.created()) {
        created++;
      } else {
        updated++;
      }
    }
    metrics.ingested(source, outcome.accepted(), outcome.duplicates(), created, updated);
    publish(outcome, publish);
    expireNowAndThen(now);
    return new EventSink.IngestResult(outcome.accepted(), outcome.duplicates(), created, updated);
  }

  private void publish(IngestOutcome outcome, Consumer<SignatureEvent> publish) {
    int threshold = settings.investigationThreshold();
    for (Touched t : outcome.touched()) {
      Signature s = t.signature();
      List<SignatureEvent> events = new ArrayList<>(2);
      if (t.created()) {
        events.add(new SignatureEvent.Created(s));
      }
      if (t.regressed()) {
        events.add(new SignatureEvent.Regressed(s));
      }
      long before = s.occurrenceCount() - t.added();
      if (before < threshold && s.occurrenceCount() >= threshold) {
        events.add(new SignatureEvent.ThresholdReached(s, threshold));
      }
      for (SignatureEvent e : events) {
        try {
          publish.accept(e);
        } catch (RuntimeException failed) {
          // the batch is committed; a failing subscriber hand-off must not make the caller retry it
          log.warn("could not publish {} for signature {}", e.getClass().getSimpleName(), s.id(), failed);
        }
      }
    }
  }

  /** Sweeps expired identities at most once per expiry interval, in the caller's thread. */
  private void expireNowAndThen(Instant now) {
    synchronized (expiryLock) {
      if (lastExpiry == null) {
        lastExpiry = now; // not on the first batch: a starting node has more urgent work
        return;
      }
      if (Duration.between(lastExpiry, now).compareTo(settings.expiryInterval()) < 0) {
        return;
      }
      lastExpiry = now;
    }
    try {
      int n = store.get().expireSeen(now.minus(settings.seenRetention()), settings.overlap());
      if (n > 0) {
        log.debug("forgot {} seen-event identities older than {}", n, settings.seenRetention());
      }
    } catch (RuntimeException e) {
      log.warn("could not expire seen-event identities; will retry", e);
    }
  }
}
