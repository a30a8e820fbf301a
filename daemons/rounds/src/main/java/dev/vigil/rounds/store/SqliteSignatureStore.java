package dev.vigil.rounds.store;

import dev.vigil.rounds.AuditEntry;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Sample;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.StoreException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * The embedded {@link SignatureStore}: one SQLite file in WAL mode, so readers (the CLI, another
 * process) read while the node writes. One connection, one writer: calls are serialised by a lock.
 * Each {@link #ingest} batch is committed by a writer thread in a {@code BEGIN IMMEDIATE}
 * transaction of prepared statements, together with the batches of other threads that arrived
 * while the previous transaction was being written (group commit); a call returns after the commit
 * that holds its batch. A second connection checkpoints the WAL in the background. Migrations run
 * when it is opened for writing.
 *
 * <p>Durability: with {@link Options#synchronous} {@code full} (the default) a committed batch
 * survives a power cut; with {@code normal} it survives a crash of the process ({@code kill -9})
 * but the last commits may be lost on power failure, in exchange for fewer fsyncs.
 */
public final class SqliteSignatureStore implements SignatureStore {
  private static final String SIGNATURE_COLUMNS =
      "id, fingerprint, fingerprint_version, service, error_type, message_template, frames, status,"
          + " regression, occurrence_count, first_seen, last_seen, status_changed_at";

  /** The columns ingest changes: read back after each count (the rest comes from {@link #known}). */
  private static final String CHANGING_COLUMNS =
      "status, regression, occurrence_count, first_seen, last_seen, status_changed_at";

  private final Path path;
  private final Connection connection;
  private final boolean readOnly;
  private final int ringSize;
  private final ReentrantLock lock = new ReentrantLock();
  // fingerprint -> a committed signature; only its id and the columns no statement ever changes
  // (fingerprint, version, service, type, template, frames) are read from it, so an entry never
  // goes stale (only rolled-back ones could: entries are added on commit)
  private final Map<String, Signature> known = new HashMap<>();
  // batches waiting for a commit; taken out only by the writer thread
  private final java.util.concurrent.LinkedBlockingQueue<Pending> pending =
      new java.util.concurrent.LinkedBlockingQueue<>();
  private Thread writer; // null when read-only
  private volatile boolean closing;

  /** At most this many events are committed in one group (a bound on one transaction's size). */
  private static final int MAX_GROUP_EVENTS = 20_000;

  private PreparedStatement insertSeen;
  private PreparedStatement findSignature;
  private PreparedStatement insertSignature;
  private PreparedStatement countInto;
  private PreparedStatement reopen;
  private PreparedStatement putSample;
  private PreparedStatement insertAudit;
  private PreparedStatement advanceWatermark;

  /**
   * How the store is opened.
   *
   * @param busyTimeout how long a statement waits for another process's lock
   * @param synchronous {@code full} or {@code normal} (SQLite's {@code synchronous} pragma in WAL)
   * @param ringSize how many samples are kept per signature
   */
  public record Options(Duration busyTimeout, String synchronous, int ringSize) {
    /** Checks the values. */
    public Options {
      Objects.requireNonNull(busyTimeout, "busyTimeout");
      if (!synchronous.equals("full") && !synchronous.equals("normal")) {
        throw new IllegalArgumentException(
            "synchronous '" + synchronous + "' must be full or normal");
      }
      if (ringSize < 1) {
        throw new IllegalArgumentException("ringSize " + ringSize + " must be at least 1");
      }
    }

    /** 5 s busy timeout, {@code full} synchronous, 10 samples per signature. */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(5), "full", 10);
    }
  }

  /** WAL pages after which the writer checkpoints in its own transaction (a fallback). */
  private static final int WRITER_CHECKPOINT_PAGES = 10_000;

  // copies committed pages from the WAL into the database file off the writer's path; null when
  // read-only
  private Checkpointer checkpointer;

  /**
   * Checkpoints the WAL every {@value #INTERVAL_MS} ms on a connection and a thread of its own.
   * SQLite's automatic checkpoint would run inside the commit that crosses its threshold (every
   * ~1,000 pages, about every transaction at a high ingest rate), copying and syncing pages while
   * every caller waits; a passive checkpoint next to the writer blocks neither it nor readers, and
   * copies a page rewritten by many transactions once.
   */
  private static final class Checkpointer {
    static final long INTERVAL_MS = 200;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SqliteSignatureStore.class);

    private final Path path;
    private final Connection connection;
    private final Thread thread;
    private volatile boolean stopping;

    private Checkpointer(Path path, Connection connection) {
      this.path = path;
      this.connection = connection;
      this.thread = Thread.ofPlatform().daemon().name("vigil-store-checkpoint").unstarted(this::run);
    }

    static Checkpointer start(Path path, Connection connection) {
      Checkpointer c = new Checkpointer(path, connection);
      c.thread.start();
      return c;
    }

    private void run() {
      boolean warned = false;
      while (!stopping) {
        try {
          Thread.sleep(INTERVAL_MS);
        } catch (InterruptedException e) {
          continue; // stopping: checked above
        }
        try (Statement s = connection.createStatement();
            ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
          rs.next();
          warned = false;
        } catch (SQLException e) {
          // the writer's own checkpoint takes over; said once per run of failures
          if (!warned && !stopping) {
            log.warn("background checkpoint of {} failed: {}", path, e.getMessage());
            warned = true;
          }
        }
      }
    }

    void close() {
      stopping = true;
      thread.interrupt();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("closing the checkpoint connection of {} failed", path, e);
      }
    }
  }

  private SqliteSignatureStore(Path path, Connection connection, boolean readOnly, int ringSize) {
    this.path = path;
    this.connection = connection;
    this.readOnly = readOnly;
    this.ringSize = ringSize;
  }

  /**
   * Opens (creating it and its directory if needed) the store at {@code path} for reading and
   * writing, and brings its schema up to date.
   *
   * @throws StoreException if the file cannot be opened or migrated, or its schema is newer than
   *     this version knows
   */
  public static SqliteSignatureStore open(Path path, Options options) {
    SQLiteConfig config = SqliteConnections.writable(path, options);
    Connection c = SqliteConnections.connect(path, config);
    SqliteSignatureStore store = new SqliteSignatureStore(path, c, false, options.ringSize());
    try {
      Migrations.migrate(c, path);
      execute(c, "PRAGMA cache_size = -32768"); // 32 MiB: the seen-identity index stays in memory
      // checkpoints run on their own connection and thread (see Checkpointer); the writer
      // checkpoints itself only if that falls behind by this many pages
      execute(c, "PRAGMA wal_autocheckpoint = " + WRITER_CHECKPOINT_PAGES);
      store.prepareWrites();
      store.checkpointer = Checkpointer.start(path, SqliteConnections.connect(path, config));
      store.writer = Thread.ofPlatform().daemon().name("vigil-store-writer").start(store::writeLoop);
    } catch (SQLException | RuntimeException e) {
      store.close();
      throw e instanceof StoreException se
          ? se
          : new StoreException("cannot open the signature store " + path + ": " + e.getMessage(), e);
    }
    return store;
  }

  /**
   * Opens an existing store for reading only (the CLI), while a node may be writing to it.
   *
   * @throws StoreException if there is no store at {@code path}, or its schema is not the one this
   *     version reads (older: start the node, which migrates it; newer: upgrade Vigil)
   */
  public static SqliteSignatureStore openReadOnly(Path path, Duration busyTimeout) {
    Connection c = SqliteConnections.connect(path, SqliteConnections.readOnly(path, busyTimeout));
    SqliteSignatureStore store = new SqliteSignatureStore(path, c, true, 1);
    try {
      Migrations.requireCurrent(c, path);
    } catch (SQLException | RuntimeException e) {
      store.close();
      throw e instanceof StoreException se
          ? se
          : new StoreException("cannot read the signature store " + path + ": " + e.getMessage(), e);
    }
    return store;
  }


  private void prepareWrites() throws SQLException {
    insertSeen =
        connection.prepareStatement(
            "INSERT OR IGNORE INTO seen_events (identity, time, source, ingested_at)"
                + " VALUES (?, ?, ?, ?)");
    findSignature =
        connection.prepareStatement(
            "SELECT " + SIGNATURE_COLUMNS + " FROM signatures WHERE fingerprint = ?");
    insertSignature =
        connection.prepareStatement(
            "INSERT INTO signatures (fingerprint, fingerprint_version, service, error_type,"
                + " message_template, frames, status, regression, occurrence_count, first_seen,"
                + " last_seen, status_changed_at, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, 'new', 0, ?, ?, ?, ?, ?) RETURNING "
                + SIGNATURE_COLUMNS);
    countInto =
        connection.prepareStatement(
            "UPDATE signatures SET occurrence_count = occurrence_count + ?,"
                + " first_seen = min(first_seen, ?), last_seen = max(last_seen, ?)"
                + " WHERE id = ? RETURNING "
                + CHANGING_COLUMNS);
    reopen =
        connection.prepareStatement(
            "UPDATE signatures SET status = 'new', regression = 1, status_changed_at = ?"
                + " WHERE id = ? AND status = 'resolved' RETURNING "
                + CHANGING_COLUMNS);
    putSample =
        connection.prepareStatement(
            "INSERT OR REPLACE INTO samples (signature_id, slot, occurrence, trace_id, span_id,"
                + " time, message, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insertAudit =
        connection.prepareStatement(
            "INSERT INTO audit_log (signature_id, at, actor, from_status, to_status, regression,"
                + " reason) VALUES (?, ?, ?, ?, ?, ?, ?)");
    advanceWatermark =
        connection.prepareStatement(
            "INSERT INTO watermarks (source, position, backlog_from, updated_at) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (source) DO UPDATE SET position = max(position, excluded.position),"
                + " backlog_from = excluded.backlog_from, updated_at = excluded.updated_at");
  }

  /** Where the store's file is. */
  public Path path() {
    return path;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Group commit: batches that arrive while another group is being written wait in a queue and
   * are then committed together by the writer thread, in arrival order, in one transaction (one
   * fsync for all of them); each caller returns only after the commit that holds its batch, with
   * the signatures' counts as of its own events. If that shared transaction fails, each of its
   * batches is retried alone, so one bad batch fails only its own caller.
   */
  @Override
  public IngestOutcome ingest(List<GroupedEvent> events, Instant now, WatermarkAdvance advance) {
    requireWritable();
    // the identities are hashed here, in the caller's thread, not on the writer's
    Pending mine = new Pending(List.copyOf(events), identities(events), now, advance);
    pending.add(mine);
    if (closing && pending.remove(mine)) {
      throw new StoreException("the signature store " + path + " is closed");
    }
    try {
      return mine.result.join();
    } catch (java.util.concurrent.CompletionException e) {
      // a new exception, so the caller's stack is in it too
      throw new StoreException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** How many batches wait for a commit (for tests). */
  int waitingBatches() {
    return pending.size();
  }

  /** A batch waiting for a commit; its fields are written by the writer under {@link #lock}. */
  private static final class Pending {
    final List<GroupedEvent> events;
    final byte[][] identities;
    final Instant now;
    final WatermarkAdvance advance;
    final java.util.concurrent.CompletableFuture<IngestOutcome> result =
        new java.util.concurrent.CompletableFuture<>();
    IngestOutcome outcome;
    StoreException failure;

    Pending(List<GroupedEvent> events, byte[][] identities, Instant now, WatermarkAdvance advance) {
      this.events = events;
      this.identities = identities;
      this.now = now;
      this.advance = advance;
    }

    void finish() {
      if (failure != null) {
        result.completeExceptionally(failure);
      } else if (outcome != null) {
        result.complete(outcome);
      } else {
        result.completeExceptionally(new StoreException("the batch was not committed"));
      }
    }
  }

  /**
   * The writer thread: takes the waiting batches (up to {@link #MAX_GROUP_EVENTS} events), commits
   * them, answers their callers, and starts over. A platform thread of its own, because SQLite
   * holds the thread that calls it for the whole statement, fsync included: on a virtual thread
   * that would hold one of the few carriers the request threads fingerprint on.
   */
  private void writeLoop() {
    List<Pending> group = new ArrayList<>();
    while (!closing) {
      Pending first;
      try {
        first = pending.take();
      } catch (InterruptedException e) {
        continue; // closing: checked above
      }
      group.clear();
      group.add(first);
      int size = first.events.size();
      Pending p;
      while (size < MAX_GROUP_EVENTS && (p = pending.poll()) != null) {
        group.add(p);
        size += p.events.size();
      }
      lock.lock();
      try {
        commitGroup(group);
      } catch (RuntimeException | Error e) {
        for (Pending g : group) {
          if (g.outcome == null && g.failure == null) {
            g.failure = new StoreException("could not commit a batch to " + path + ": " + e, e);
          }
        }
      } finally {
        lock.unlock();
      }
      for (Pending g : group) {
        g.finish();
      }
    }
  }

  /** Commits a group in one transaction or, if that fails, each batch alone. */
  private void commitGroup(List<Pending> group) {
    if (group.size() > 1) {
      Map<String, Signature> created = new HashMap<>();
      try {
        begin();
        List<IngestOutcome> outcomes = ingestInTransaction(group, created);
        commit();
        known.putAll(created);
        for (int i = 0; i < group.size(); i++) {
          group.get(i).outcome = outcomes.get(i);
        }
        return;
      } catch (SQLException | RuntimeException e) {
        // nothing of the group is committed; each batch gets its own chance below
        rollbackQuietly(e);
      }
    }
    for (Pending g : group) {
      commitAlone(g);
    }
  }

  private void commitAlone(Pending g) {
    Map<String, Signature> created = new HashMap<>();
    try {
      begin();
      IngestOutcome outcome = ingestInTransaction(List.of(g), created).get(0);
      commit();
      known.putAll(created);
      g.outcome = outcome;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(e);
      g.failure =
          new StoreException(
              "could not commit a batch of " + g.events.size() + " events to " + path + ": "
                  + e.getMessage(),
              e);
    }
  }

  /** One accepted event of a group: which batch it came from. */
  private record Accepted(int batch, GroupedEvent event, long time) {}

  /**
   * Writes the batches of one transaction and returns each batch's outcome, in order. The
   * identities are inserted batch after batch (so a batch's duplicates include events an earlier
   * batch of the group counted); the counts, first/last seen and the sample ring are then written
   * once per signature for the whole group, and each batch's {@link Touched} carries the
   * signature with its count as of that batch.
   */
  private List<IngestOutcome> ingestInTransaction(List<Pending> group, Map<String, Signature> created)
      throws SQLException {
    int batches = group.size();
    int[] duplicates = new int[batches];
    int[] accepted = new int[batches];
    // the group's accepted events per fingerprint, in arrival order
    Map<String, List<Accepted>> byFingerprint = new LinkedHashMap<>();
    // each batch's fingerprints in its first-seen order
    List<List<String>> order = new ArrayList<>(batches);
    int total = 0;
    for (Pending p : group) {
      long nowNs = nanos(p.now);
      for (int i = 0; i < p.events.size(); i++) {
        ErrorEvent e = p.events.get(i).event();
        insertSeen.setBytes(1, p.identities[i]);
        insertSeen.setLong(2, nanos(e.time()));
        insertSeen.setString(3, e.source());
        insertSeen.setLong(4, nowNs);
        insertSeen.addBatch();
        total++;
      }
    }
    int[] inserted = total == 0 ? new int[0] : insertSeen.executeBatch();
    int k = 0;
    for (int b = 0; b < batches; b++) {
      List<String> fingerprints = new ArrayList<>();
      order.add(fingerprints);
      for (GroupedEvent g : group.get(b).events) {
        if (inserted[k++] == 0) {
          duplicates[b]++;
          continue;
        }
        accepted[b]++;
        String fingerprint = g.grouping().fingerprint();
        List<Accepted> list = byFingerprint.get(fingerprint);
        if (list == null) {
          list = new ArrayList<>();
          byFingerprint.put(fingerprint, list);
        }
        if (list.isEmpty() || list.get(list.size() - 1).batch() != b) {
          fingerprints.add(fingerprint);
        }
        list.add(new Accepted(b, g, nanos(g.event().time())));
      }
    }
    // per batch, per fingerprint: what the batch saw of the signature
    List<Map<String, Touched>> touched = new ArrayList<>(batches);
    for (int b = 0; b < batches; b++) {
      touched.add(new HashMap<>());
    }
    for (List<Accepted> events : byFingerprint.values()) {
      countGroup(group, events, created, touched);
    }
    for (Pending p : group) {
      WatermarkAdvance advance = p.advance;
      if (advance != null) {
        advanceWatermark.setString(1, advance.source());
        advanceWatermark.setLong(2, nanos(advance.position()));
        if (advance.backlogFrom() == null) {
          advanceWatermark.setNull(3, java.sql.Types.INTEGER);
        } else {
          advanceWatermark.setLong(3, nanos(advance.backlogFrom()));
        }
        advanceWatermark.setLong(4, nanos(p.now));
        advanceWatermark.executeUpdate();
      }
    }
    List<IngestOutcome> outcomes = new ArrayList<>(batches);
    for (int b = 0; b < batches; b++) {
      List<Touched> list = new ArrayList<>(order.get(b).size());
      for (String fingerprint : order.get(b)) {
        list.add(touched.get(b).get(fingerprint));
      }
      outcomes.add(new IngestOutcome(accepted[b], duplicates[b], list));
    }
    return outcomes;
  }

  /**
   * Counts one fingerprint's accepted events of a group into its signature (one statement
   * whatever the number of batches), reopens it if it was resolved before one of them, writes its
   * newest samples, and records per batch what that batch saw.
   */
  private void countGroup(
      List<Pending> group,
      List<Accepted> events,
      Map<String, Signature> created,
      List<Map<String, Touched>> touched)
      throws SQLException {
    Accepted first = events.get(0);
    String fingerprint = first.event().grouping().fingerprint();
    int size = events.size();
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (Accepted a : events) {
      min = Math.min(min, a.time());
      max = Math.max(max, a.time());
    }
    Signature shape = known.get(fingerprint);
    if (shape == null) {
      shape = created.get(fingerprint);
    }
    if (shape == null) {
      findSignature.setString(1, fingerprint);
      shape = single(findSignature);
      if (shape != null) {
        created.put(fingerprint, shape); // known on commit
      }
    }
    Signature signature = null;
    int createdBy = -1;
    if (shape != null) {
      countInto.setLong(1, size);
      countInto.setLong(2, min);
      countInto.setLong(3, max);
      countInto.setLong(4, shape.id());
      signature = changed(shape, countInto);
    }
    if (signature == null) {
      ErrorEvent e = first.event().event();
      long createdAt = nanos(group.get(first.batch()).now);
      insertSignature.setString(1, fingerprint);
      insertSignature.setInt(2, first.event().grouping().version());
      insertSignature.setString(3, e.service());
      insertSignature.setString(4, e.errorType());
      insertSignature.setString(5, first.event().grouping().template());
      insertSignature.setString(6, String.join("\n", first.event().grouping().frames()));
      insertSignature.setLong(7, size);
      insertSignature.setLong(8, min);
      insertSignature.setLong(9, max);
      insertSignature.setLong(10, createdAt);
      insertSignature.setLong(11, createdAt);
      signature = single(insertSignature);
      created.put(fingerprint, signature);
      createdBy = first.batch();
      audit(signature.id(), createdAt, "ingest", null, SignatureStatus.NEW, false, "first seen");
    }
    Signature counted = signature;
    int regressedBy = -1;
    if (signature.status() == SignatureStatus.RESOLVED && max > nanos(signature.statusChangedAt())) {
      // the first batch with an occurrence after the resolution reopens it
      long resolvedAt = nanos(signature.statusChangedAt());
      for (Accepted a : events) {
        if (a.time() > resolvedAt) {
          regressedBy = a.batch();
          break;
        }
      }
      long recurred = Long.MIN_VALUE;
      for (Accepted a : events) {
        if (a.batch() == regressedBy) {
          recurred = Math.max(recurred, a.time());
        }
      }
      long atNs = nanos(group.get(regressedBy).now);
      reopen.setLong(1, atNs);
      reopen.setLong(2, signature.id());
      Signature reopened = changed(signature, reopen);
      if (reopened != null) {
        audit(
            signature.id(),
            atNs,
            "ingest",
            SignatureStatus.RESOLVED,
            SignatureStatus.NEW,
            true,
            "recurred at " + instant(recurred) + " after being resolved at " + signature.statusChangedAt());
        signature = reopened;
      } else {
        regressedBy = -1;
      }
    }
    writeSamples(signature, events);
    // what each batch saw: the count as of its own events, the status as of its place in the group
    long before = signature.occurrenceCount() - size;
    long running = before;
    int i = 0;
    while (i < size) {
      int b = events.get(i).batch();
      int added = 0;
      while (i < size && events.get(i).batch() == b) {
        added++;
        i++;
      }
      running += added;
      Signature seen = regressedBy >= 0 && b < regressedBy ? counted : signature;
      if (running != seen.occurrenceCount()) {
        seen = withCount(seen, running);
      }
      touched.get(b).put(fingerprint, new Touched(seen, added, b == createdBy, b == regressedBy));
    }
  }

  private static Signature withCount(Signature s, long count) {
    return new Signature(
        s.id(),
        s.fingerprint(),
        s.fingerprintVersion(),
        s.service(),
        s.errorType(),
        s.messageTemplate(),
        s.frames(),
        s.status(),
        s.regression(),
        count,
        s.firstSeen(),
        s.lastSeen(),
        s.statusChangedAt());
  }

  /** Puts the group's newest occurrences into the signature's ring (older ones would be overwritten). */
  private void writeSamples(Signature signature, List<Accepted> events) throws SQLException {
    int m = events.size();
    long firstOccurrence = signature.occurrenceCount() - m + 1;
    for (int k = Math.max(0, m - ringSize); k < m; k++) {
      ErrorEvent e = events.get(k).event().event();
      long occurrence = firstOccurrence + k;
      putSample.setLong(1, signature.id());
      putSample.setLong(2, Math.floorMod(occurrence, ringSize));
      putSample.setLong(3, occurrence);
      putSample.setString(4, e.traceId());
      putSample.setString(5, e.spanId());
      putSample.setLong(6, nanos(e.time()));
      putSample.setString(7, e.message());
      putSample.setString(8, e.source());
      putSample.addBatch();
    }
    putSample.executeBatch();
  }

  private void audit(
      long id,
      long atNs,
      String actor,
      SignatureStatus from,
      SignatureStatus to,
      boolean regression,
      String reason)
      throws SQLException {
    insertAudit.setLong(1, id);
    insertAudit.setLong(2, atNs);
    insertAudit.setString(3, actor);
    insertAudit.setString(4, from == null ? null : from.wireName());
    insertAudit.setString(5, to.wireName());
    insertAudit.setInt(6, regression ? 1 : 0);
    insertAudit.setString(7, reason);
    insertAudit.executeUpdate();
  }

  /**
   * The event's time (8 bytes, big-endian, sign flipped so bytes sort like times) then 8 bytes of
   * SHA-256 over trace id, span id and fingerprint, each length-prefixed so none can run into the
   * next. Leading with the time makes inserts land near the end of the index, as events arrive
   * roughly in time order, instead of all over it.
   */
  private static byte[][] identities(List<GroupedEvent> events) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    byte[][] out = new byte[events.size()][];
    for (int i = 0; i < out.length; i++) {
      GroupedEvent g = events.get(i);
      out[i] = identity(md, g.event(), g.grouping().fingerprint());
    }
    return out;
  }

  private static byte[] identity(MessageDigest md, ErrorEvent e, String fingerprint) {
    md.reset();
    update(md, e.traceId());
    update(md, e.spanId());
    update(md, fingerprint);
    byte[] key = Arrays.copyOf(java.nio.ByteBuffer.allocate(8).putLong(nanos(e.time()) ^ Long.MIN_VALUE).array(), 16);
    System.arraycopy(md.digest(), 0, key, 8, 8);
    return key;
  }

  private static void update(MessageDigest md, String part) {
    byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
    int n = bytes.length;
    md.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    md.update(bytes);
  }

  @Override
  public Optional<Watermark> watermark(String source) {
    return read(
        "SELECT source, position, backlog_from, updated_at FROM watermarks WHERE source = ?",
        ps -> ps.setString(1, source),
        rs -> {
          long backlog = rs.getLong(3);
          boolean noBacklog = rs.wasNull();
          return new Watermark(
              rs.getString(1),
              instant(rs.getLong(2)),
              noBacklog ? null : instant(backlog),
              instant(rs.getLong(4)));
        })
        .stream()
        .findFirst();
  }

  @Override
  public List<Signature> list(Query query) {
    StringBuilder sql = new StringBuilder("SELECT " + SIGNATURE_COLUMNS + " FROM signatures");
    List<String> args = new ArrayList<>();
    if (query.status() != null) {
      sql.append(" WHERE status = ?");
      args.add(query.status().wireName());
    }
    if (query.service() != null) {
      sql.append(args.isEmpty() ? " WHERE" : " AND").append(" service = ?");
      args.add(query.service());
    }
    sql.append(" ORDER BY last_seen DESC, id DESC LIMIT ?");
    return read(
        sql.toString(),
        ps -> {
          for (int i = 0; i < args.size(); i++) {
            ps.setString(i + 1, args.get(i));
          }
          ps.setInt(args.size() + 1, Math.max(0, query.limit()));
        },
        SqliteSignatureStore::signature);
  }

  @Override
  public Optional<Signature> get(long id) {
    return read(
            "SELECT " + SIGNATURE_COLUMNS + " FROM signatures WHERE id = ?",
            ps -> ps.setLong(1, id),
            SqliteSignatureStore::signature)
        .stream()
        .findFirst();
  }

  @Override
  public Optional<Signature> byFingerprint(String fingerprint) {
    return read(
            "SELECT " + SIGNATURE_COLUMNS + " FROM signatures WHERE fingerprint = ?",
            ps -> ps.setString(1, fingerprint),
            SqliteSignatureStore::signature)
        .stream()
        .findFirst();
  }

  @Override
  public List<Sample> samples(long signatureId) {
    return read(
        "SELECT trace_id, span_id, time, message, source FROM samples WHERE signature_id = ?"
            + " ORDER BY occurrence DESC",
        ps -> ps.setLong(1, signatureId),
        rs ->
            new Sample(
                rs.getString(1),
                rs.getString(2),
                instant(rs.getLong(3)),
                rs.getString(4),
                rs.getString(5)));
  }

  @Override
  public List<AuditEntry> audit(long signatureId) {
    return read(
        "SELECT signature_id, at, actor, from_status, to_status, regression, reason"
            + " FROM audit_log WHERE signature_id = ? ORDER BY id",
        ps -> ps.setLong(1, signatureId),
        rs -> {
          String from = rs.getString(4);
          return new AuditEntry(
              rs.getLong(1),
              instant(rs.getLong(2)),
              rs.getString(3),
              from == null ? null : SignatureStatus.fromWire(from),
              SignatureStatus.fromWire(rs.getString(5)),
              rs.getInt(6) == 1,
              rs.getString(7));
        });
  }

  @Override
  public Optional<Signature> transition(
      long signatureId, SignatureStatus to, String actor, String reason, Instant at) {
    requireWritable();
    lock.lock();
    try {
      try {
        begin();
        Optional<Signature> current = getInTransaction(signatureId);
        if (current.isEmpty()) {
          rollback();
          return Optional.empty();
        }
        SignatureStatus from = current.get().status();
        if (!from.canMoveTo(to)) {
          rollback();
          throw new IllegalTransitionException(signatureId, from, to);
        }
        long atNs = nanos(at);
        try (PreparedStatement ps =
            connection.prepareStatement(
                "UPDATE signatures SET status = ?, status_changed_at = ? WHERE id = ?")) {
          ps.setString(1, to.wireName());
          ps.setLong(2, atNs);
          ps.setLong(3, signatureId);
          ps.executeUpdate();
        }
        audit(signatureId, atNs, actor, from, to, false, reason);
        Optional<Signature> after = getInTransaction(signatureId);
        commit();
        return after;
      } catch (IllegalTransitionException e) {
        throw e; // already rolled back
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(e);
        throw new StoreException(
            "could not move signature " + signatureId + " to " + to.wireName() + ": "
                + e.getMessage(),
            e);
      }
    } finally {
      lock.unlock();
    }
  }

  private Optional<Signature> getInTransaction(long id) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT " + SIGNATURE_COLUMNS + " FROM signatures WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(signature(rs)) : Optional.empty();
      }
    }
  }

  @Override
  public int expireSeen(Instant ingestedBefore, Duration overlap) {
    requireWritable();
    lock.lock();
    try {
      try (PreparedStatement ps =
          connection.prepareStatement(
              "DELETE FROM seen_events WHERE ingested_at < ? AND time < coalesce("
                  + "(SELECT min(position) FROM watermarks) - ?, 9223372036854775807)")) {
        ps.setLong(1, nanos(ingestedBefore));
        ps.setLong(2, overlap.toNanos());
        return ps.executeUpdate(); // one statement: its own transaction
      } catch (SQLException e) {
        throw new StoreException("could not expire seen events in " + path, e);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    closing = true;
    Thread w = writer;
    if (w != null) {
      w.interrupt(); // it finishes the group it is writing, if any, then stops
      try {
        w.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // batches that came after the writer stopped
    for (Pending p; (p = pending.poll()) != null; ) {
      p.failure = new StoreException("the signature store " + path + " is closed");
      p.finish();
    }
    Checkpointer c = checkpointer;
    if (c != null) {
      c.close();
    }
    SqliteConnections.close(connection, lock, path);
  }

  @Override
  public String toString() {
    return "SqliteSignatureStore{" + path + (readOnly ? ", read-only" : "") + "}";
  }

  private void requireWritable() {
    if (readOnly) {
      throw new StoreException("the signature store " + path + " is open read-only");
    }
  }

  /*
   * Transactions are explicit statements on an auto-commit connection: sqlite-jdbc's own
   * setAutoCommit(false) begins the next transaction as soon as one commits, which with BEGIN
   * IMMEDIATE would hold the write lock between batches and lock out every other writer.
   */
  private void begin() throws SQLException {
    execute(connection, "BEGIN IMMEDIATE");
  }

  private void commit() throws SQLException {
    execute(connection, "COMMIT");
  }

  private void rollback() throws SQLException {
    execute(connection, "ROLLBACK");
  }

  private void rollbackQuietly(Exception cause) {
    try {
      rollback();
    } catch (SQLException e) {
      // no transaction open (BEGIN itself failed): nothing to undo
      if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
        cause.addSuppressed(e);
      }
    }
  }

  private <T> List<T> read(String sql, SqliteConnections.Binder binder, SqliteConnections.RowMapper<T> mapper) {
    return SqliteConnections.read(connection, lock, path, sql, binder, mapper);
  }

  /** Runs an update returning {@link #CHANGING_COLUMNS}: {@code shape} with them, or null for no row. */
  private static Signature changed(Signature shape, PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      return new Signature(
          shape.id(),
          shape.fingerprint(),
          shape.fingerprintVersion(),
          shape.service(),
          shape.errorType(),
          shape.messageTemplate(),
          shape.frames(),
          SignatureStatus.fromWire(rs.getString(1)),
          rs.getInt(2) == 1,
          rs.getLong(3),
          instant(rs.getLong(4)),
          instant(rs.getLong(5)),
          instant(rs.getLong(6)));
    }
  }

  private static Signature single(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? signature(rs) : null;
    }
  }

  private static Signature signature(ResultSet rs) throws SQLException {
    String frames = rs.getString(7);
    return new Signature(
        rs.getLong(1),
        rs.getString(2),
        rs.getInt(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        frames.isEmpty() ? List.of() : List.of(frames.split("\n", -1)),
        SignatureStatus.fromWire(rs.getString(8)),
        rs.getInt(9) == 1,
        rs.getLong(10),
        instant(rs.getLong(11)),
        instant(rs.getLong(12)),
        instant(rs.getLong(13)));
  }

  /** Epoch nanoseconds, saturated at the ends of the range a long holds (years 1677 to 2262). */
  static long nanos(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    } catch (ArithmeticException overflow) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  /** Runs a statement outside the prepared set (migrations). */
  static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
