package dev.vigil.rounds.poller;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.EventSink;
import dev.vigil.rounds.IngestPipeline;
import dev.vigil.rounds.SignatureEvent;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.SignatureStore.Watermark;
import dev.vigil.rounds.SignatureStore.WatermarkAdvance;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetrySource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One poll of a telemetry source, exactly once: it reads {@code [watermark - overlap, now - ingest
 * delay)} (the first time {@code [now - lookback, now - ingest delay)}), and commits the events and
 * the new watermark in one transaction. A crash or failure anywhere before that commit leaves the
 * watermark where it was, so the next cycle reads the same window again, and the store's
 * de-duplication by identity counts each event once; overlapping windows, retries and restarts
 * cannot double-count.
 *
 * <p>When the source could not drain the window within its limit it reports where the unread part
 * begins ({@link TelemetrySource.Batch#backlogFrom}); the watermark moves only that far (the backlog
 * is recorded with it) and the cycle goes on reading from there, up to {@link
 * Settings#maxFetchesPerCycle} reads, so a backlog drains over the next cycles rather than being
 * dropped. Reads that stay within the overlap behind the old watermark do not use up that budget:
 * otherwise a dense overlap, all of it counted already, could fill every read of every cycle and
 * the backlog would never drain.
 *
 * <p>Not thread-safe: one cycle at a time (the poller's single-flight guarantees it).
 */
public final class PollCycle {
  private final TelemetrySource source;
  private final IngestPipeline pipeline;
  private final Supplier<SignatureStore> store;
  private final Settings settings;
  private final Clock clock;

  /**
   * How a cycle reads.
   *
   * @param lookback the first window's length, when the source has no watermark yet
   * @param overlap how far before the watermark each window starts again, for late-arriving data
   * @param ingestDelay how far behind now each window ends, for data the backend has not indexed
   * @param pageSize rows per request to the backend
   * @param maxEventsPerFetch at most this many events per read (then a backlog is recorded)
   * @param maxFetchesPerCycle at most this many reads per cycle while a backlog remains
   * @param serviceFilter only events of these services are counted; empty means all
   */
  public record Settings(
      Duration lookback,
      Duration overlap,
      Duration ingestDelay,
      int pageSize,
      int maxEventsPerFetch,
      int maxFetchesPerCycle,
      Set<String> serviceFilter) {
    /** Checks the values and copies the filter. */
    public Settings {
      positive("lookback", lookback);
      notNegative("overlap", overlap);
      notNegative("ingestDelay", ingestDelay);
      if (pageSize < 1 || maxEventsPerFetch < 1 || maxFetchesPerCycle < 1) {
        throw new IllegalArgumentException(
            "pageSize "
                + pageSize
                + ", maxEventsPerFetch "
                + maxEventsPerFetch
                + " and maxFetchesPerCycle "
                + maxFetchesPerCycle
                + " must all be at least 1");
      }
      serviceFilter = Set.copyOf(serviceFilter);
    }

    private static void positive(String name, Duration d) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " " + d + " must be positive");
      }
    }

    private static void notNegative(String name, Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + " " + d + " must not be negative");
      }
    }
  }

  /**
   * What a cycle did.
   *
   * @param source the source's name
   * @param from the start of the first window read, or null when there was nothing to read
   * @param to the end of the windows read, or null when there was nothing to read
   * @param fetches reads made
   * @param fetched events the source returned
   * @param filtered events dropped by the service filter
   * @param skippedRows rows the source could not parse
   * @param result what the ingest did with the rest
   * @param watermark the watermark after the cycle, or null if the source has none yet
   * @param backlogFrom where a recorded backlog begins, or null when drained
   */
  public record Report(
      String source,
      Instant from,
      Instant to,
      int fetches,
      int fetched,
      int filtered,
      int skippedRows,
      EventSink.IngestResult result,
      Instant watermark,
      Instant backlogFrom) {}

  /**
   * @param store where the watermark is read (the pipeline writes it with each batch)
   */
  public PollCycle(
      TelemetrySource source,
      IngestPipeline pipeline,
      Supplier<SignatureStore> store,
      Settings settings,
      Clock clock) {
    this.source = Objects.requireNonNull(source, "source");
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    this.store = Objects.requireNonNull(store, "store");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The source this cycle reads. */
  public TelemetrySource source() {
    return source;
  }

  /**
   * Runs one cycle: reads and commits until the window is drained or the cycle's read budget is
   * spent. Each read is committed before the next one starts.
   *
   * @param publish receives the signature events of each committed batch
   * @throws TelemetryException if the source could not be read; batches committed before it stay
   * @throws InterruptedException if the thread is interrupted between reads (a stop)
   * @throws dev.vigil.rounds.StoreException if a batch could not be committed
   */
  public Report run(Consumer<SignatureEvent> publish) throws TelemetryException, InterruptedException {
    String name = source.name();
    Instant now = clock.instant();
    Instant end = now.minus(settings.ingestDelay());
    Optional<Watermark> mark = store.get().watermark(name);
    Instant from =
        mark.map(w -> w.position().minus(settings.overlap())).orElse(now.minus(settings.lookback()));
    Instant counted = mark.map(Watermark::position).orElse(from);
    Instant firstFrom = from;
    int fetches = 0;
    int progressing = 0; // reads that got past the old watermark: the cycle's budget
    int fetched = 0;
    int filtered = 0;
    int skipped = 0;
    int accepted = 0;
    int duplicates = 0;
    int created = 0;
    int updated = 0;
    Instant watermark = mark.map(Watermark::position).orElse(null);
    Instant backlog = mark.map(Watermark::backlogFrom).orElse(null);
    while (from.isBefore(end) && progressing < settings.maxFetchesPerCycle()) {
      if (Thread.interrupted()) {
        throw new InterruptedException("poll of " + name + " stopped");
      }
      TelemetrySource.Batch batch =
          source.fetch(from, end, settings.pageSize(), settings.maxEventsPerFetch());
      fetches++;
      Instant resume = batch.backlogFrom();
      if (resume == null || resume.isAfter(counted)) {
        progressing++;
      }
      if (resume != null && (!resume.isAfter(from) || resume.isAfter(end))) {
        throw new TelemetryException(
            TelemetryException.Kind.MALFORMED,
            "source "
                + name
                + " reported a backlog from "
                + resume
                + ", outside the window ("
                + from
                + ", "
                + end
                + "]: it would never make progress");
      }
      List<ErrorEvent> kept = new ArrayList<>(batch.events().size());
      for (ErrorEvent e : batch.events()) {
        if (settings.serviceFilter().isEmpty() || settings.serviceFilter().contains(e.service())) {
          kept.add(e);
        }
      }
      Instant position = resume != null ? resume : end;
      // the events and the watermark commit together: a crash before this line re-reads the window
      EventSink.IngestResult r =
          pipeline.ingest(kept, new WatermarkAdvance(name, position, resume), publish);
      fetched += batch.events().size();
      filtered += batch.events().size() - kept.size();
      skipped += batch.skippedRows();
      accepted += r.accepted();
      duplicates += r.duplicates();
      created += r.newSignatures();
      updated += r.updatedSignatures();
      watermark = watermark == null || position.isAfter(watermark) ? position : watermark;
      backlog = resume;
      if (resume == null) {
        break;
      }
      from = resume;
    }
    boolean read = fetches > 0;
    return new Report(
        name,
        read ? firstFrom : null,
        read ? end : null,
        fetches,
        fetched,
        filtered,
        skipped,
        new EventSink.IngestResult(accepted, duplicates, created, updated),
        watermark,
        backlog);
  }
}
