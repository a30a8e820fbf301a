package dev.vigil.rounds.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.diagnosis.Confidence;
import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.diagnosis.InvestigationContext.SimilarSignature;
import dev.vigil.rounds.investigation.InvestigationState;
import dev.vigil.rounds.investigation.StoredDiagnosis;
import dev.vigil.rounds.investigation.Triage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * The diagnosis half of the SQLite store (schema 2): the budget ledger, the investigation leases
 * and backoff, and the stored diagnoses (and the model processes running now, schema 4), on a connection of its own to the same file as the
 * {@link SqliteSignatureStore}. Two of these on one file behave as two nodes sharing a store:
 * every decision that must not be taken twice (a reservation against the daily limit, taking a
 * lease) is a conditional write inside one {@code BEGIN IMMEDIATE} transaction, which SQLite runs
 * one at a time across connections and processes.
 *
 * <p>Status moves it makes (new/diagnosed -> investigating -> diagnosed/new) are audited in the
 * same transaction, as {@link dev.vigil.rounds.SignatureStore#transition} does. Thread-safe: calls
 * are serialised on the one connection.
 */
public final class SqliteDiagnosisStore implements AutoCloseable {
  private static final String SIG =
      "s.id, s.fingerprint, s.fingerprint_version, s.service, s.error_type, s.message_template,"
          + " s.frames, s.status, s.regression, s.occurrence_count, s.first_seen, s.last_seen,"
          + " s.status_changed_at";
  private static final String STATE =
      "i.signature_id, i.lease_until, i.lease_owner, i.attempts, i.next_attempt_at, i.needs_human,"
          + " i.last_error, i.forced, i.diagnosed_count, i.diagnosed_at";
  private static final String DIAGNOSIS =
      "id, signature_id, backend, root_cause, evidence, suggested_fix, confidence, model,"
          + " cost_micros, duration_ms, occurrence_count, created_at";
  // parameters: now, min occurrences, now, now, cooldown cutoff, growth factor
  private static final String DUE =
      "s.status IN ('new', 'investigating', 'diagnosed')"
          + " AND (s.occurrence_count >= ? OR i.forced = 1)" // an operator's reinvestigate: below it too
          + " AND coalesce(i.needs_human, 0) = 0"
          + " AND (i.lease_until IS NULL OR i.lease_until <= ?)"
          + " AND (i.next_attempt_at IS NULL OR i.next_attempt_at <= ? OR i.forced = 1)"
          + " AND (s.status <> 'diagnosed' OR i.forced = 1 OR (i.diagnosed_at IS NOT NULL"
          + " AND i.diagnosed_at <= ? AND s.occurrence_count >= i.diagnosed_count * ?))";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final Connection connection;
  private final boolean readOnly;
  private final ReentrantLock lock = new ReentrantLock();

  private SqliteDiagnosisStore(Path path, Connection connection, boolean readOnly) {
    this.path = path;
    this.connection = connection;
    this.readOnly = readOnly;
  }

  /**
   * Opens (creating it if needed) the store at {@code path} for reading and writing, migrating
   * its schema.
   *
   * @throws StoreException if it cannot be opened or migrated
   */
  public static SqliteDiagnosisStore open(Path path, SqliteSignatureStore.Options options) {
    SQLiteConfig config = SqliteConnections.writable(path, options);
    Connection c = SqliteConnections.connect(path, config);
    try {
      Migrations.migrate(c, path);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c, e);
      throw e instanceof StoreException se
          ? se
          : new StoreException("cannot open the signature store " + path + ": " + e.getMessage(), e);
    }
    return new SqliteDiagnosisStore(path, c, false);
  }

  /**
   * Opens an existing store for reading only (the CLI).
   *
   * @throws StoreException if there is none at {@code path} or its schema is not current
   */
  public static SqliteDiagnosisStore openReadOnly(Path path, Duration busyTimeout) {
    Connection c = SqliteConnections.connect(path, SqliteConnections.readOnly(path, busyTimeout));
    try {
      Migrations.requireCurrent(c, path);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c, e);
      throw e instanceof StoreException se
          ? se
          : new StoreException("cannot read the signature store " + path + ": " + e.getMessage(), e);
    }
    return new SqliteDiagnosisStore(path, c, true);
  }


  private static void closeQuietly(Connection c, Exception cause) {
    try {
      c.close();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  /** Where the store's file is. */
  public Path path() {
    return path;
  }

  // ---------------------------------------------------------------- budget ledger (package-private)

  /** A day's figures in micro-USD. */
  record DayFigures(long spentMicros, long reservedMicros) {}

  /** What {@link #reserve} found: the new row's id, or -1 and the figures that refused it. */
  record ReserveResult(long id, DayFigures figures) {}

  /**
   * Expires stale reservations, then reserves {@code capMicros} on {@code day} if the day's spend
   * plus open reservations plus the cap stays within {@code limitMicros}: one transaction.
   */
  ReserveResult reserve(
      String day, String purpose, String holder, long capMicros, long limitMicros, Instant now,
      Instant expiresAt) {
    return write("reserve budget", () -> {
      expireStaleInTransaction(now);
      DayFigures f = figuresInTransaction(day);
      if (limitMicros <= 0 || f.spentMicros() + f.reservedMicros() + capMicros > limitMicros) {
        return new ReserveResult(-1, f);
      }
      try (PreparedStatement ps = connection.prepareStatement(
          "INSERT INTO budget_ledger (day, purpose, holder, cap_micros, state, reserved_at,"
              + " expires_at) VALUES (?, ?, ?, ?, 'reserved', ?, ?) RETURNING id")) {
        ps.setString(1, day);
        ps.setString(2, purpose);
        ps.setString(3, holder);
        ps.setLong(4, capMicros);
        ps.setLong(5, SqliteSignatureStore.nanos(now));
        ps.setLong(6, SqliteSignatureStore.nanos(expiresAt));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new ReserveResult(rs.getLong(1), f);
        }
      }
    });
  }

  /** Closes an open reservation as settled (actual) or released (0); false if it was not open. */
  boolean closeReservation(long id, boolean settled, long actualMicros, Instant now) {
    return write("close a budget reservation", () -> {
      try (PreparedStatement ps = connection.prepareStatement(
          "UPDATE budget_ledger SET state = ?, actual_micros = ?, closed_at = ?"
              + " WHERE id = ? AND state = 'reserved'")) {
        ps.setString(1, settled ? "settled" : "released");
        ps.setLong(2, settled ? actualMicros : 0);
        ps.setLong(3, SqliteSignatureStore.nanos(now));
        ps.setLong(4, id);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /**
   * Expires reservations still open past their expiry (their holder died): each is charged its
   * whole cap, since the call it guarded may have spent up to it. Returns how many.
   */
  public int expireStaleReservations(Instant now) {
    return write("expire stale budget reservations", () -> expireStaleInTransaction(now));
  }

  private int expireStaleInTransaction(Instant now) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "UPDATE budget_ledger SET state = 'expired', actual_micros = cap_micros, closed_at = ?"
            + " WHERE state = 'reserved' AND expires_at <= ?")) {
      long n = SqliteSignatureStore.nanos(now);
      ps.setLong(1, n);
      ps.setLong(2, n);
      return ps.executeUpdate();
    }
  }

  /** The day's settled (and expired) spend and open reservations. */
  DayFigures figures(String day) {
    lock.lock();
    try {
      return figuresInTransaction(day);
    } catch (SQLException e) {
      throw new StoreException("could not read the budget ledger of " + path + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  private DayFigures figuresInTransaction(String day) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT coalesce(sum(CASE WHEN state IN ('settled', 'expired') THEN actual_micros ELSE 0 END), 0),"
            + " coalesce(sum(CASE WHEN state = 'reserved' THEN cap_micros ELSE 0 END), 0)"
            + " FROM budget_ledger WHERE day = ?")) {
      ps.setString(1, day);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new DayFigures(rs.getLong(1), rs.getLong(2));
      }
    }
  }

  // ---------------------------------------------------------------- model processes

  /**
   * A model process recorded while it runs (the store's {@code model_processes}).
   *
   * @param id the row
   * @param host where it runs ({@link SqliteProcessLedger.Owner#host}): a pid means nothing elsewhere
   * @param pid its process id
   * @param ownGroup true when it leads a process group (and session) of its own: pid is the group id
   * @param startedAt its start as the OS reported it, empty if it did not
   * @param owner the investigator that started it (the lease owner)
   * @param ownerPid that investigator's JVM
   * @param ownerStartedAt that JVM's start as the OS reported it, empty if it did not
   * @param reservationId the call's budget reservation, if any
   * @param recordedAt when it was recorded
   */
  public record ProcessRecord(
      long id, String host, long pid, boolean ownGroup, Optional<Instant> startedAt, String owner,
      long ownerPid, Optional<Instant> ownerStartedAt, java.util.OptionalLong reservationId,
      Instant recordedAt) {}

  /** Records a process that has just started; returns its row id. */
  long recordProcess(
      String host, long pid, boolean ownGroup, Optional<Instant> startedAt, String owner, long ownerPid,
      Optional<Instant> ownerStartedAt, java.util.OptionalLong reservationId, Instant now) {
    return write("record a model process", () -> {
      try (PreparedStatement ps = connection.prepareStatement(
          "INSERT INTO model_processes (host, pid, own_group, started_at, owner, owner_pid,"
              + " owner_started_at, reservation_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
              + " RETURNING id")) {
        ps.setString(1, host);
        ps.setLong(2, pid);
        ps.setInt(3, ownGroup ? 1 : 0);
        setInstant(ps, 4, startedAt);
        ps.setString(5, owner);
        ps.setLong(6, ownerPid);
        setInstant(ps, 7, ownerStartedAt);
        if (reservationId.isPresent()) {
          ps.setLong(8, reservationId.getAsLong());
        } else {
          ps.setNull(8, Types.INTEGER);
        }
        ps.setLong(9, SqliteSignatureStore.nanos(now));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  /** Drops a process's record (it ended); false if there was none. */
  boolean dropProcess(long id) {
    return write("drop a model process record", () -> {
      try (PreparedStatement ps = connection.prepareStatement("DELETE FROM model_processes WHERE id = ?")) {
        ps.setLong(1, id);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** The model processes recorded on {@code host}, oldest first. */
  public List<ProcessRecord> processes(String host) {
    return read(
        "SELECT id, host, pid, own_group, started_at, owner, owner_pid, owner_started_at,"
            + " reservation_id, recorded_at FROM model_processes WHERE host = ? ORDER BY id",
        ps -> ps.setString(1, host),
        rs -> {
          long reservation = rs.getLong(9);
          java.util.OptionalLong res = rs.wasNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(reservation);
          return new ProcessRecord(
              rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getInt(4) == 1,
              Optional.ofNullable(instantOrNull(rs, 5)), rs.getString(6), rs.getLong(7),
              Optional.ofNullable(instantOrNull(rs, 8)), res, SqliteSignatureStore.instant(rs.getLong(10)));
        });
  }

  /** How many model processes are recorded (all hosts). */
  public int processCount() {
    return read("SELECT count(*) FROM model_processes", ps -> {}, rs -> rs.getInt(1)).get(0);
  }

  /**
   * Settles what a dead node's model process held: its budget reservation, if still open, is
   * expired and charged its whole cap (the call may have spent up to it), and the record is
   * dropped; one transaction, so of two nodes settling it at once one charges it.
   *
   * @return the cap charged, or empty if the reservation was no longer open (or there was none)
   */
  public Optional<BigDecimal> settleLeftover(long processId, Instant now) {
    return write("settle a left-over model process", () -> {
      Optional<BigDecimal> charged = Optional.empty();
      try (PreparedStatement ps = connection.prepareStatement(
          "UPDATE budget_ledger SET state = 'expired', actual_micros = cap_micros, closed_at = ?"
              + " WHERE state = 'reserved' AND id = (SELECT reservation_id FROM model_processes WHERE id = ?)"
              + " RETURNING cap_micros")) {
        ps.setLong(1, SqliteSignatureStore.nanos(now));
        ps.setLong(2, processId);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            charged = Optional.of(usd(rs.getLong(1)));
          }
        }
      }
      try (PreparedStatement ps = connection.prepareStatement("DELETE FROM model_processes WHERE id = ?")) {
        ps.setLong(1, processId);
        ps.executeUpdate();
      }
      return charged;
    });
  }

  private static void setInstant(PreparedStatement ps, int at, Optional<Instant> t) throws SQLException {
    if (t.isPresent()) {
      ps.setLong(at, SqliteSignatureStore.nanos(t.get()));
    } else {
      ps.setNull(at, Types.INTEGER);
    }
  }

  // ---------------------------------------------------------------- investigations

  /**
   * A signature due for investigation, with its investigator state and why it is due.
   *
   * @param signature the signature
   * @param state its investigator state
   */
  public record Candidate(Signature signature, InvestigationState state) {
    /** Why triage picked it, in words, for the audit log. */
    public String reason(Triage triage) {
      if (state.forced()) {
        return "re-investigation requested";
      }
      return switch (signature.status()) {
        case INVESTIGATING -> "the lease of " + (state.leaseOwner().isEmpty() ? "an earlier run" : state.leaseOwner())
            + " expired" + (state.leaseUntil() == null ? "" : " at " + state.leaseUntil());
        case DIAGNOSED -> "grew from " + state.diagnosedCount() + " to " + signature.occurrenceCount()
            + " occurrences since its diagnosis at " + state.diagnosedAt();
        default -> state.attempts() > 0
            ? "retry after " + state.attempts() + " failed attempt(s)"
            : signature.regression()
                ? "regressed, " + signature.occurrenceCount() + " occurrences"
                : "reached " + signature.occurrenceCount() + " occurrences (threshold " + triage.minOccurrences() + ")";
      };
    }
  }

  /** The signatures due now by {@code triage}, forced first, then most recently seen; at most {@code limit}. */
  public List<Candidate> due(Triage triage, Instant now, int limit) {
    lock.lock();
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT " + SIG + ", " + STATE + " FROM signatures s LEFT JOIN investigations i"
            + " ON i.signature_id = s.id WHERE " + DUE
            + " ORDER BY coalesce(i.forced, 0) DESC, s.last_seen DESC, s.id LIMIT ?")) {
      int k = bindDue(ps, 1, triage, now);
      ps.setInt(k, Math.max(0, limit));
      List<Candidate> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Candidate(signature(rs), state(rs, 14, rs.getLong(1))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("could not read due signatures from " + path + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  private static int bindDue(PreparedStatement ps, int at, Triage triage, Instant now) throws SQLException {
    long n = SqliteSignatureStore.nanos(now);
    ps.setLong(at, triage.minOccurrences());
    ps.setLong(at + 1, n);
    ps.setLong(at + 2, n);
    ps.setLong(at + 3, SqliteSignatureStore.nanos(now.minus(triage.cooldown())));
    ps.setDouble(at + 4, triage.growthFactor());
    return at + 5;
  }

  /**
   * Takes the lease of signature {@code id} until {@code leaseUntil} if it is due by {@code triage}
   * (or, with {@code force}, whatever its triage unless it is muted, resolved or leased) and moves
   * it to {@code investigating}, auditing the move: one transaction, so of several takers (threads,
   * nodes) exactly one gets it.
   *
   * @return the leased candidate (as it was before the move), or empty if it is not due or taken
   */
  public Optional<Candidate> lease(
      long id, Triage triage, boolean force, String owner, Instant now, Instant leaseUntil) {
    requireWritable();
    return write("lease signature " + id, () -> {
      String where = force
          ? "s.status IN ('new', 'investigating', 'diagnosed')"
              + " AND (i.lease_until IS NULL OR i.lease_until <= ?)"
          : DUE;
      Candidate c;
      try (PreparedStatement ps = connection.prepareStatement(
          "SELECT " + SIG + ", " + STATE + " FROM signatures s LEFT JOIN investigations i"
              + " ON i.signature_id = s.id WHERE s.id = ? AND " + where)) {
        ps.setLong(1, id);
        if (force) {
          ps.setLong(2, SqliteSignatureStore.nanos(now));
        } else {
          bindDue(ps, 2, triage, now);
        }
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.<Candidate>empty();
          }
          c = new Candidate(signature(rs), state(rs, 14, id));
        }
      }
      ensureRow(id);
      try (PreparedStatement ps = connection.prepareStatement(
          "UPDATE investigations SET lease_until = ?, lease_owner = ?, forced = 0 WHERE signature_id = ?")) {
        ps.setLong(1, SqliteSignatureStore.nanos(leaseUntil));
        ps.setString(2, owner);
        ps.setLong(3, id);
        ps.executeUpdate();
      }
      String reason = force ? "investigation requested" : c.reason(triage);
      SignatureStatus from = c.signature().status();
      if (from == SignatureStatus.INVESTIGATING) {
        move(id, from, SignatureStatus.NEW, owner, reason, now);
        from = SignatureStatus.NEW;
      }
      move(id, from, SignatureStatus.INVESTIGATING, owner, reason + "; leased until " + leaseUntil, now);
      return Optional.of(c);
    });
  }

  /**
   * Stores a diagnosis made under {@code owner}'s lease, ends the lease, clears the failures and
   * moves the signature to {@code diagnosed} (if it is still investigating: an operator may have
   * muted or resolved it meanwhile), auditing it: one transaction.
   *
   * @return the stored diagnosis, or empty if {@code owner} no longer holds the lease (it expired
   *     and another run took it: that run's diagnosis counts, not this one)
   */
  public Optional<StoredDiagnosis> recordDiagnosis(
      long id, String owner, String backend, Diagnosis d, Instant now) {
    requireWritable();
    return write("store the diagnosis of signature " + id, () -> {
      if (!holds(id, owner)) {
        return Optional.<StoredDiagnosis>empty();
      }
      Signature s = signatureById(id);
      long nowNs = SqliteSignatureStore.nanos(now);
      long rowId;
      try (PreparedStatement ps = connection.prepareStatement(
          "INSERT INTO diagnoses (signature_id, backend, root_cause, evidence, suggested_fix,"
              + " confidence, model, cost_micros, duration_ms, occurrence_count, created_at)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
        ps.setLong(1, id);
        ps.setString(2, backend);
        ps.setString(3, d.rootCause());
        ps.setString(4, JSON.writeValueAsString(d.evidence()));
        ps.setString(5, d.suggestedFix());
        ps.setString(6, d.confidence().wireName());
        ps.setString(7, d.model());
        if (d.costUsd().isPresent()) {
          ps.setLong(8, micros(d.costUsd().get()));
        } else {
          ps.setNull(8, Types.INTEGER);
        }
        ps.setLong(9, d.duration().toMillis());
        ps.setLong(10, s.occurrenceCount());
        ps.setLong(11, nowNs);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          rowId = rs.getLong(1);
        }
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a list of strings always serialises", e);
      }
      try (PreparedStatement ps = connection.prepareStatement(
          "UPDATE investigations SET lease_until = NULL, attempts = 0, next_attempt_at = NULL,"
              + " needs_human = 0, last_error = '', diagnosed_count = ?, diagnosed_at = ?"
              + " WHERE signature_id = ?")) {
        ps.setLong(1, s.occurrenceCount());
        ps.setLong(2, nowNs);
        ps.setLong(3, id);
        ps.executeUpdate();
      }
      if (s.status() == SignatureStatus.INVESTIGATING) {
        move(id, s.status(), SignatureStatus.DIAGNOSED, owner,
            "diagnosed by " + backend + " (" + d.confidence().wireName() + " confidence, model "
                + d.model() + d.costUsd().map(c -> ", " + c.toPlainString() + " USD").orElse("") + ")",
            now);
      }
      return Optional.of(new StoredDiagnosis(rowId, id, backend, d, s.occurrenceCount(), now));
    });
  }

  /**
   * Ends {@code owner}'s lease after a failed attempt: records the error, the next attempt time
   * and (when {@code countsAsAttempt}) one more failure, {@code needs_human} once the failures
   * reach {@code maxAttempts}, and moves the signature back (to {@code diagnosed} if it has a
   * diagnosis, else {@code new}), auditing it: one transaction.
   *
   * @return the state after, or empty if {@code owner} no longer holds the lease
   */
  public Optional<InvestigationState> recordFailure(
      long id, String owner, String error, boolean countsAsAttempt, Instant nextAttemptAt,
      int maxAttempts, Instant now) {
    requireWritable();
    return write("record a failed investigation of signature " + id, () -> {
      if (!holds(id, owner)) {
        return Optional.<InvestigationState>empty();
      }
      try (PreparedStatement ps = connection.prepareStatement(
          "UPDATE investigations SET lease_until = NULL, attempts = attempts + ?,"
              + " next_attempt_at = ?, last_error = ?,"
              + " needs_human = CASE WHEN attempts + ? >= ? THEN 1 ELSE 0 END WHERE signature_id = ?")) {
        int add = countsAsAttempt ? 1 : 0;
        ps.setInt(1, add);
        if (nextAttemptAt == null) {
          ps.setNull(2, Types.INTEGER);
        } else {
          ps.setLong(2, SqliteSignatureStore.nanos(nextAttemptAt));
        }
        ps.setString(3, error);
        ps.setInt(4, add);
        ps.setInt(5, maxAttempts);
        ps.setLong(6, id);
        ps.executeUpdate();
      }
      InvestigationState st = stateInTransaction(id);
      Signature s = signatureById(id);
      if (s.status() == SignatureStatus.INVESTIGATING) {
        SignatureStatus back = st.diagnosedAt() != null ? SignatureStatus.DIAGNOSED : SignatureStatus.NEW;
        String reason = st.needsHuman()
            ? "needs a human after " + st.attempts() + " failed attempts; last: " + error
            : "investigation failed" + (countsAsAttempt ? " (attempt " + st.attempts() + " of " + maxAttempts + ")" : "")
                + ": " + error + (nextAttemptAt == null ? "" : "; next attempt after " + nextAttemptAt);
        move(id, s.status(), back, owner, reason, now);
      }
      return Optional.of(st);
    });
  }

  /**
   * Clears the failures, the backoff and {@code needs_human} of a signature (retriage), or also
   * asks for a new investigation whatever its triage (reinvestigate); audited with the actor.
   *
   * @return the state after, or empty if there is no such signature
   */
  public Optional<InvestigationState> reset(
      long id, boolean reinvestigate, String actor, String reason, Instant now) {
    requireWritable();
    return write("reset the investigation of signature " + id, () -> {
      Optional<Signature> s = signatureByIdOptional(id);
      if (s.isEmpty()) {
        return Optional.<InvestigationState>empty();
      }
      ensureRow(id);
      try (PreparedStatement ps = connection.prepareStatement(
          "UPDATE investigations SET attempts = 0, next_attempt_at = NULL, needs_human = 0,"
              + " last_error = '', forced = ? WHERE signature_id = ?")) {
        ps.setInt(1, reinvestigate ? 1 : 0);
        ps.setLong(2, id);
        ps.executeUpdate();
      }
      SignatureStatus st = s.get().status();
      insertAudit(id, now, actor, st, st,
          (reinvestigate ? "reinvestigate" : "retriage") + (reason.isBlank() ? "" : ": " + reason));
      return Optional.of(stateInTransaction(id));
    });
  }

  /**
   * Gives up {@code owner}'s lease without counting a failure (the daemon is stopping), moving the
   * signature back; audited.
   */
  public void release(long id, String owner, String reason, Instant now) {
    requireWritable();
    write("release the lease of signature " + id, () -> {
      if (!holds(id, owner)) {
        return null;
      }
      try (PreparedStatement ps = connection.prepareStatement(
          "UPDATE investigations SET lease_until = NULL WHERE signature_id = ?")) {
        ps.setLong(1, id);
        ps.executeUpdate();
      }
      InvestigationState st = stateInTransaction(id);
      Signature s = signatureById(id);
      if (s.status() == SignatureStatus.INVESTIGATING) {
        move(id, s.status(), st.diagnosedAt() != null ? SignatureStatus.DIAGNOSED : SignatureStatus.NEW,
            owner, reason, now);
      }
      return null;
    });
  }

  /** The investigator state of a signature ({@link InvestigationState#none} if it has none). */
  public InvestigationState state(long id) {
    lock.lock();
    try {
      return stateInTransaction(id);
    } catch (SQLException e) {
      throw new StoreException("could not read the investigation of " + id + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** How many signatures need a human (for status and metrics). */
  public int needsHumanCount() {
    return read("SELECT count(*) FROM investigations WHERE needs_human = 1", ps -> {}, rs -> rs.getInt(1))
        .get(0);
  }

  /** The latest diagnosis of a signature. */
  public Optional<StoredDiagnosis> latestDiagnosis(long signatureId) {
    return read("SELECT " + DIAGNOSIS + " FROM diagnoses WHERE signature_id = ? ORDER BY id DESC LIMIT 1",
            ps -> ps.setLong(1, signatureId), SqliteDiagnosisStore::diagnosis)
        .stream().findFirst();
  }

  /** Every diagnosis of a signature, oldest first. */
  public List<StoredDiagnosis> diagnoses(long signatureId) {
    return read("SELECT " + DIAGNOSIS + " FROM diagnoses WHERE signature_id = ? ORDER BY id",
        ps -> ps.setLong(1, signatureId), SqliteDiagnosisStore::diagnosis);
  }

  /**
   * Other signatures of the same error type or service, those with a diagnosis first, with their
   * latest diagnosis' root cause and fix.
   */
  public List<SimilarSignature> similar(Signature of, int limit) {
    return read(
        "SELECT s.id, s.error_type, s.message_template, s.status, coalesce(d.root_cause, ''),"
            + " coalesce(d.suggested_fix, '') FROM signatures s LEFT JOIN diagnoses d ON d.id ="
            + " (SELECT max(id) FROM diagnoses WHERE signature_id = s.id)"
            + " WHERE s.id <> ? AND ((s.error_type = ? AND s.error_type <> '') OR s.service = ?)"
            + " ORDER BY d.id IS NULL, s.error_type = ? DESC, s.last_seen DESC LIMIT ?",
        ps -> {
          ps.setLong(1, of.id());
          ps.setString(2, of.errorType());
          ps.setString(3, of.service());
          ps.setString(4, of.errorType());
          ps.setInt(5, Math.max(0, limit));
        },
        rs -> {
          String type = rs.getString(2);
          String headline = type.isEmpty() ? rs.getString(3) : type + ": " + rs.getString(3);
          return new SimilarSignature(rs.getLong(1), headline, rs.getString(4), rs.getString(5), rs.getString(6));
        });
  }

  @Override
  public void close() {
    SqliteConnections.close(connection, lock, path);
  }

  @Override
  public String toString() {
    return "SqliteDiagnosisStore{" + path + (readOnly ? ", read-only" : "") + "}";
  }

  // ---------------------------------------------------------------- helpers

  /** Micro-USD, rounded up: a charge is never under-counted. */
  static long micros(BigDecimal usd) {
    return usd.movePointRight(6).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  static BigDecimal usd(long micros) {
    BigDecimal v = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
    return v.scale() < 2 ? v.setScale(2) : v;
  }

  private boolean holds(long id, String owner) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT 1 FROM investigations WHERE signature_id = ? AND lease_owner = ? AND lease_until IS NOT NULL")) {
      ps.setLong(1, id);
      ps.setString(2, owner);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private void ensureRow(long id) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "INSERT INTO investigations (signature_id) VALUES (?) ON CONFLICT (signature_id) DO NOTHING")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
  }

  private void move(long id, SignatureStatus from, SignatureStatus to, String actor, String reason, Instant at)
      throws SQLException {
    if (!from.canMoveTo(to)) {
      throw new dev.vigil.rounds.SignatureStore.IllegalTransitionException(id, from, to);
    }
    try (PreparedStatement ps = connection.prepareStatement(
        "UPDATE signatures SET status = ?, status_changed_at = ? WHERE id = ? AND status = ?")) {
      ps.setString(1, to.wireName());
      ps.setLong(2, SqliteSignatureStore.nanos(at));
      ps.setLong(3, id);
      ps.setString(4, from.wireName());
      if (ps.executeUpdate() != 1) {
        throw new SQLException("signature " + id + " is no longer " + from.wireName());
      }
    }
    insertAudit(id, at, actor, from, to, reason);
  }

  private void insertAudit(long id, Instant at, String actor, SignatureStatus from, SignatureStatus to, String reason)
      throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "INSERT INTO audit_log (signature_id, at, actor, from_status, to_status, regression, reason)"
            + " VALUES (?, ?, ?, ?, ?, 0, ?)")) {
      ps.setLong(1, id);
      ps.setLong(2, SqliteSignatureStore.nanos(at));
      ps.setString(3, actor);
      ps.setString(4, from.wireName());
      ps.setString(5, to.wireName());
      ps.setString(6, reason);
      ps.executeUpdate();
    }
  }

  private Signature signatureById(long id) throws SQLException {
    return signatureByIdOptional(id).orElseThrow(() -> new SQLException("no signature " + id));
  }

  private Optional<Signature> signatureByIdOptional(long id) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("SELECT " + SIG + " FROM signatures s WHERE s.id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(signature(rs)) : Optional.empty();
      }
    }
  }

  private InvestigationState stateInTransaction(long id) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT " + STATE + " FROM investigations i WHERE i.signature_id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? state(rs, 1, id) : InvestigationState.none(id);
      }
    }
  }

  /** Reads the investigation columns starting at {@code at}; a missing row (left join) is none. */
  private static InvestigationState state(ResultSet rs, int at, long id) throws SQLException {
    rs.getLong(at);
    if (rs.wasNull()) {
      return InvestigationState.none(id);
    }
    return new InvestigationState(
        id,
        instantOrNull(rs, at + 1),
        rs.getString(at + 2) == null ? "" : rs.getString(at + 2),
        rs.getInt(at + 3),
        instantOrNull(rs, at + 4),
        rs.getInt(at + 5) == 1,
        rs.getString(at + 6),
        rs.getInt(at + 7) == 1,
        longOr(rs, at + 8, -1),
        instantOrNull(rs, at + 9));
  }

  private static Instant instantOrNull(ResultSet rs, int col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? null : SqliteSignatureStore.instant(v);
  }

  private static long longOr(ResultSet rs, int col, long fallback) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? fallback : v;
  }

  private static Signature signature(ResultSet rs) throws SQLException {
    String frames = rs.getString(7);
    return new Signature(
        rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5),
        rs.getString(6), frames.isEmpty() ? List.of() : List.of(frames.split("\n", -1)),
        SignatureStatus.fromWire(rs.getString(8)), rs.getInt(9) == 1, rs.getLong(10),
        SqliteSignatureStore.instant(rs.getLong(11)), SqliteSignatureStore.instant(rs.getLong(12)),
        SqliteSignatureStore.instant(rs.getLong(13)));
  }

  private static StoredDiagnosis diagnosis(ResultSet rs) throws SQLException {
    List<String> evidence;
    try {
      evidence = List.of(JSON.readValue(rs.getString(5), String[].class));
    } catch (JsonProcessingException e) {
      throw new SQLException("diagnosis " + rs.getLong(1) + " has unreadable evidence: " + e.getMessage(), e);
    }
    long cost = rs.getLong(9);
    Optional<BigDecimal> costUsd = rs.wasNull() ? Optional.empty() : Optional.of(usd(cost));
    Diagnosis d = new Diagnosis(
        rs.getString(4), evidence, rs.getString(6), Confidence.parse(rs.getString(7)),
        rs.getString(8), costUsd, Duration.ofMillis(rs.getLong(10)));
    return new StoredDiagnosis(rs.getLong(1), rs.getLong(2), rs.getString(3), d, rs.getLong(11),
        SqliteSignatureStore.instant(rs.getLong(12)));
  }

  private void requireWritable() {
    if (readOnly) {
      throw new StoreException("the signature store " + path + " is open read-only");
    }
  }

  /** Runs {@code work} in one BEGIN IMMEDIATE transaction; rolls back on any failure. */
  private <T> T write(String what, SqliteConnections.Work<T> work) {
    requireWritable();
    return SqliteConnections.inTransaction(connection, lock, path, what, work);
  }

  private <T> List<T> read(String sql, SqliteConnections.Binder binder, SqliteConnections.RowMapper<T> mapper) {
    return SqliteConnections.read(connection, lock, path, sql, binder, mapper);
  }
}
