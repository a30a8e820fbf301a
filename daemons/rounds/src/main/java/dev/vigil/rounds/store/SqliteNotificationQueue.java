package dev.vigil.rounds.store;

import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.notify.Notification;
import dev.vigil.rounds.notify.NotificationQueue;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link NotificationQueue} in the SQLite store (schema 3: {@code notification_queue} and
 * {@code notification_alerts}), on a connection of its own to the store file. Every decision
 * two dispatchers must not both take (an alert inside the cooldown, a claim) is a conditional
 * write inside one {@code BEGIN IMMEDIATE} transaction, which SQLite runs one at a time across
 * connections and processes. Thread-safe: calls are serialised on the one connection.
 */
public final class SqliteNotificationQueue implements NotificationQueue, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SqliteNotificationQueue.class);

  private static final String COLUMNS =
      "q.id, q.notifier, q.payload, q.attempts, q.due_at, q.last_error, q.parked, q.claimed_by,"
          + " q.claimed_until";
  /** No earlier unparked entry of the same notifier and signature: {@code q} is first in line. */
  private static final String FIRST_IN_LINE =
      "NOT EXISTS (SELECT 1 FROM notification_queue e WHERE e.notifier = q.notifier"
          + " AND e.signature_id = q.signature_id AND e.parked = 0 AND e.id < q.id)";

  /**
   * No later entry of the same notifier and signature is being sent: only after an operator's
   * retry can one be (it went past the entry while that was parked), and the retried entry waits
   * for that send to end rather than race it.
   */
  private static final String NOT_OVERTAKEN =
      "NOT EXISTS (SELECT 1 FROM notification_queue l WHERE l.notifier = q.notifier"
          + " AND l.signature_id = q.signature_id AND l.id > q.id AND l.claimed_until > ?)";

  private final Path path;
  private final Connection connection;
  private final ReentrantLock lock = new ReentrantLock();

  private SqliteNotificationQueue(Path path, Connection connection) {
    this.path = path;
    this.connection = connection;
  }

  /**
   * Opens (creating it if needed) the store at {@code path}, migrating its schema.
   *
   * @throws StoreException if it cannot be opened or migrated
   */
  public static SqliteNotificationQueue open(Path path, SqliteSignatureStore.Options options) {
    Connection c = SqliteConnections.connect(path, SqliteConnections.writable(path, options));
    try {
      Migrations.migrate(c, path);
    } catch (SQLException | RuntimeException e) {
      try {
        c.close();
      } catch (SQLException close) {
        e.addSuppressed(close);
      }
      throw e instanceof StoreException se
          ? se
          : new StoreException("cannot open the signature store " + path + ": " + e.getMessage(), e);
    }
    return new SqliteNotificationQueue(path, c);
  }

  /**
   * Opens an existing store for reading only (the CLI's listing): {@link #all} and {@link
   * #counts} work, every write fails.
   *
   * @throws StoreException if there is none at {@code path} or its schema is not current
   */
  public static SqliteNotificationQueue openReadOnly(Path path, Duration busyTimeout) {
    Connection c = SqliteConnections.connect(path, SqliteConnections.readOnly(path, busyTimeout));
    try {
      Migrations.requireCurrent(c, path);
    } catch (SQLException | RuntimeException e) {
      try {
        c.close();
      } catch (SQLException close) {
        e.addSuppressed(close);
      }
      throw e instanceof StoreException se
          ? se
          : new StoreException("cannot read the signature store " + path + ": " + e.getMessage(), e);
    }
    return new SqliteNotificationQueue(path, c);
  }

  @Override
  public Offer offer(
      Notification n, List<String> notifiers, Duration alertCooldown, String claimer, Instant now,
      Instant claimUntil) {
    String payload = NotificationCodec.write(n);
    long signature = n.signature().id();
    return write("queue the " + n.kind() + " notification of signature " + signature, () -> {
      if (alertCooldown != null) {
        try (PreparedStatement ps = connection.prepareStatement(
            "SELECT last_alert_at FROM notification_alerts WHERE signature_id = ?")) {
          ps.setLong(1, signature);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()
                && now.isBefore(SqliteSignatureStore.instant(rs.getLong(1)).plus(alertCooldown))) {
              return new Offer(true, List.of());
            }
          }
        }
        try (PreparedStatement ps = connection.prepareStatement(
            "INSERT INTO notification_alerts (signature_id, last_alert_at, notified_count, kind)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT (signature_id) DO UPDATE SET"
                + " last_alert_at = excluded.last_alert_at,"
                + " notified_count = excluded.notified_count, kind = excluded.kind")) {
          ps.setLong(1, signature);
          ps.setLong(2, SqliteSignatureStore.nanos(now));
          ps.setLong(3, n.signature().occurrenceCount());
          ps.setString(4, n.kind());
          ps.executeUpdate();
        }
      }
      List<Pending> added = new ArrayList<>();
      for (String notifier : notifiers) {
        boolean first;
        try (PreparedStatement ps = connection.prepareStatement(
            "SELECT 1 FROM notification_queue WHERE notifier = ? AND signature_id = ?"
                + " AND parked = 0 LIMIT 1")) {
          ps.setString(1, notifier);
          ps.setLong(2, signature);
          try (ResultSet rs = ps.executeQuery()) {
            first = !rs.next();
          }
        }
        String waits = first ? "" : "queued behind an earlier notification";
        try (PreparedStatement ps = connection.prepareStatement(
            "INSERT INTO notification_queue (notifier, signature_id, kind, payload, due_at,"
                + " last_error, claimed_by, claimed_until, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
          ps.setString(1, notifier);
          ps.setLong(2, signature);
          ps.setString(3, n.kind());
          ps.setString(4, payload);
          ps.setLong(5, SqliteSignatureStore.nanos(now));
          ps.setString(6, waits);
          if (first) {
            ps.setString(7, claimer);
            ps.setLong(8, SqliteSignatureStore.nanos(claimUntil));
          } else {
            ps.setNull(7, java.sql.Types.VARCHAR);
            ps.setNull(8, java.sql.Types.INTEGER);
          }
          ps.setLong(9, SqliteSignatureStore.nanos(now));
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            added.add(new Pending(rs.getLong(1), notifier, n, 0, now, waits, false,
                first ? claimer : "", first ? claimUntil : null));
          }
        }
      }
      return new Offer(false, added);
    });
  }

  @Override
  public Optional<Pending> claimNext(
      Collection<String> notifiers, String claimer, long afterId, Instant now, Instant claimUntil) {
    if (notifiers.isEmpty()) {
      return Optional.empty();
    }
    String in = String.join(", ", java.util.Collections.nCopies(notifiers.size(), "?"));
    return write("claim a queued notification", () -> {
      long after = afterId;
      while (true) {
        long id;
        String notifier;
        String payload;
        try (PreparedStatement ps = connection.prepareStatement(
            "SELECT q.id, q.notifier, q.payload FROM notification_queue q"
                + " WHERE q.id > ? AND q.parked = 0 AND q.due_at <= ?"
                + " AND (q.claimed_until IS NULL OR q.claimed_until <= ?)"
                + " AND q.notifier IN (" + in + ") AND " + FIRST_IN_LINE + " AND " + NOT_OVERTAKEN
                + " ORDER BY q.id LIMIT 1")) {
          long t = SqliteSignatureStore.nanos(now);
          ps.setLong(1, after);
          ps.setLong(2, t);
          ps.setLong(3, t);
          int k = 4;
          for (String name : notifiers) {
            ps.setString(k++, name);
          }
          ps.setLong(k, t); // NOT_OVERTAKEN's, after the IN list
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              return Optional.<Row>empty();
            }
            id = rs.getLong(1);
            notifier = rs.getString(2);
            payload = rs.getString(3);
          }
        }
        Notification n;
        try {
          n = NotificationCodec.read(payload);
        } catch (NotificationCodec.UnreadableException e) {
          String why = "cannot read this queued notification: " + e.getMessage();
          log.error("queued notification {} to {} parked: {}", id, notifier, why);
          try (PreparedStatement ps = connection.prepareStatement(
              "UPDATE notification_queue SET parked = 1, last_error = ? WHERE id = ?")) {
            ps.setString(1, why);
            ps.setLong(2, id);
            ps.executeUpdate();
          }
          after = id;
          continue;
        }
        try (PreparedStatement ps = connection.prepareStatement(
            "UPDATE notification_queue SET claimed_by = ?, claimed_until = ? WHERE id = ?")) {
          ps.setString(1, claimer);
          ps.setLong(2, SqliteSignatureStore.nanos(claimUntil));
          ps.setLong(3, id);
          ps.executeUpdate();
        }
        return Optional.of(read(id).orElseThrow(() -> new SQLException("entry " + id + " vanished"))
            .withNotification(n));
      }
    }).map(Row::pending);
  }

  @Override
  public boolean delivered(long id, String claimer) {
    return write("remove delivered notification " + id, () -> {
      try (PreparedStatement ps = connection.prepareStatement(
          "DELETE FROM notification_queue WHERE id = ? AND claimed_by = ?")) {
        ps.setLong(1, id);
        ps.setString(2, claimer);
        return ps.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean failed(
      long id, String claimer, int attempts, Instant dueAt, String error, boolean parked) {
    return write("record a failed notification " + id, () -> {
      try (PreparedStatement ps = connection.prepareStatement(
          "UPDATE notification_queue SET attempts = ?, due_at = ?, last_error = ?, parked = ?,"
              + " claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?")) {
        ps.setInt(1, attempts);
        ps.setLong(2, SqliteSignatureStore.nanos(dueAt));
        ps.setString(3, error);
        ps.setInt(4, parked ? 1 : 0);
        ps.setLong(5, id);
        ps.setString(6, claimer);
        return ps.executeUpdate() == 1;
      }
    });
  }

  @Override
  public List<Recurrence> recurrences(Instant alertedBefore, int limit) {
    lock.lock();
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT a.signature_id, a.notified_count FROM notification_alerts a"
            + " JOIN signatures s ON s.id = a.signature_id"
            + " WHERE s.status = 'diagnosed' AND s.occurrence_count > a.notified_count"
            + " AND a.last_alert_at <= ? ORDER BY a.last_alert_at, a.signature_id LIMIT ?")) {
      ps.setLong(1, SqliteSignatureStore.nanos(alertedBefore));
      ps.setInt(2, Math.max(0, limit));
      List<Recurrence> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Recurrence(rs.getLong(1), rs.getLong(2)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("could not read recurring signatures from " + path + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many entries wait for delivery and how many are parked (for health and metrics).
   *
   * @param waiting unparked entries, claimed or not
   * @param parked entries no one retries
   */
  public record Counts(int waiting, int parked) {}

  /** The queue's figures, without reading the payloads. */
  public Counts counts() {
    lock.lock();
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT coalesce(sum(parked = 0), 0), coalesce(sum(parked = 1), 0) FROM notification_queue");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new Counts(rs.getInt(1), rs.getInt(2));
    } catch (SQLException e) {
      throw new StoreException("could not count the notification queue of " + path + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Pending> all() {
    lock.lock();
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM notification_queue q ORDER BY q.id")) {
      List<Pending> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Row r = row(rs);
          try {
            out.add(r.withNotification(NotificationCodec.read(r.payload())).pending());
          } catch (NotificationCodec.UnreadableException e) {
            // left in the table for an operator (or a newer vigil); parked when it is next due
            log.warn("queued notification {} to {} cannot be read: {}", r.id(), r.notifier(), e.getMessage());
          }
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("could not read the notification queue of " + path + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Retried retryParked(Collection<Long> ids, String actor, String reason, Instant now) {
    java.util.Objects.requireNonNull(actor, "actor");
    String why = reason == null ? "" : reason.strip();
    java.util.SortedSet<Long> wanted = new java.util.TreeSet<>(ids);
    return write("retry parked notifications", () -> {
      List<Row> rows = new ArrayList<>();
      List<Long> missing = new ArrayList<>();
      List<Long> notParked = new ArrayList<>();
      if (wanted.isEmpty()) {
        try (PreparedStatement ps = connection.prepareStatement(
            "SELECT " + COLUMNS + " FROM notification_queue q WHERE q.parked = 1 ORDER BY q.id");
            ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(row(rs));
          }
        }
      } else {
        for (long id : wanted) {
          Optional<Row> r = read(id);
          if (r.isEmpty()) {
            missing.add(id);
          } else if (!r.get().parked()) {
            notParked.add(id);
          } else {
            rows.add(r.get());
          }
        }
      }
      if (!missing.isEmpty() || !notParked.isEmpty()) {
        return new Retried(List.of(), missing, notParked);
      }
      List<Pending> out = new ArrayList<>();
      for (Row r : rows) {
        String kind;
        long signature;
        try (PreparedStatement ps = connection.prepareStatement(
            "UPDATE notification_queue SET parked = 0, attempts = 0, due_at = ?, claimed_by = NULL,"
                + " claimed_until = NULL WHERE id = ? RETURNING kind, signature_id")) {
          ps.setLong(1, SqliteSignatureStore.nanos(now));
          ps.setLong(2, r.id());
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            kind = rs.getString(1);
            signature = rs.getLong(2);
          }
        }
        String what = "retry notification " + r.id() + " (" + kind + " to " + r.notifier() + ")"
            + (why.isEmpty() ? "" : ": " + why);
        // the signature's audit trail is where an operator looks; a pruned one has none
        try (PreparedStatement ps = connection.prepareStatement(
            "INSERT INTO audit_log (signature_id, at, actor, from_status, to_status, regression, reason)"
                + " SELECT id, ?, ?, status, status, 0, ? FROM signatures WHERE id = ?")) {
          ps.setLong(1, SqliteSignatureStore.nanos(now));
          ps.setString(2, actor);
          ps.setString(3, what);
          ps.setLong(4, signature);
          ps.executeUpdate();
        }
        log.info("notification {} of signature {} to {} put back in line by {} (was parked after {}"
            + " attempt(s): {}){}", r.id(), signature, r.notifier(), actor, r.attempts(), r.lastError(),
            why.isEmpty() ? "" : ": " + why);
        Row back = read(r.id()).orElseThrow(() -> new SQLException("entry " + r.id() + " vanished"));
        try {
          out.add(back.withNotification(NotificationCodec.read(back.payload())).pending());
        } catch (NotificationCodec.UnreadableException e) {
          // unparked all the same: the next claim parks it again, saying why
          log.warn("queued notification {} to {} cannot be read: {}", r.id(), r.notifier(), e.getMessage());
        }
      }
      return new Retried(out, List.of(), List.of());
    });
  }

  @Override
  public void close() {
    SqliteConnections.close(connection, lock, path);
  }

  @Override
  public String toString() {
    return "SqliteNotificationQueue{" + path + "}";
  }

  /** An entry as stored; {@code notification} is null until its payload is read. */
  private record Row(
      long id, String notifier, String payload, int attempts, Instant dueAt, String lastError,
      boolean parked, String claimedBy, Instant claimedUntil, Notification notification) {
    Row withNotification(Notification n) {
      return new Row(id, notifier, payload, attempts, dueAt, lastError, parked, claimedBy, claimedUntil, n);
    }

    Pending pending() {
      return new Pending(id, notifier, notification, attempts, dueAt, lastError, parked, claimedBy, claimedUntil);
    }
  }

  private static Row row(ResultSet rs) throws SQLException {
    long claimedUntil = rs.getLong(9);
    Instant until = rs.wasNull() ? null : SqliteSignatureStore.instant(claimedUntil);
    String by = rs.getString(8);
    return new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4),
        SqliteSignatureStore.instant(rs.getLong(5)), rs.getString(6), rs.getInt(7) == 1,
        by == null ? "" : by, until, null);
  }

  private Optional<Row> read(long id) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM notification_queue q WHERE q.id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(row(rs)) : Optional.empty();
      }
    }
  }

  /** Runs {@code work} in one BEGIN IMMEDIATE transaction; rolls back on any failure. */
  private <T> T write(String what, SqliteConnections.Work<T> work) {
    return SqliteConnections.inTransaction(connection, lock, path, what, work);
  }
}
