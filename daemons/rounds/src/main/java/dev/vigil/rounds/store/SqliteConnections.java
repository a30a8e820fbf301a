package dev.vigil.rounds.store;

import dev.vigil.rounds.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.sqlite.SQLiteConfig;

/**
 * How every connection to the store file is opened, so the signature store and the diagnosis
 * store (two connections on one file) agree on journal mode, busy timeout, foreign keys and
 * durability.
 */
final class SqliteConnections {
  private SqliteConnections() {}

  /**
   * The settings of a writing connection: WAL, the busy timeout, foreign keys, {@code
   * synchronous} as configured. Creates the file's directory if needed.
   *
   * @throws StoreException if the directory cannot be created
   */
  static SQLiteConfig writable(Path path, SqliteSignatureStore.Options options) {
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (java.io.IOException e) {
      throw new StoreException("cannot create the directory of the signature store " + path, e);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setBusyTimeout(millis(options.busyTimeout()));
    config.enforceForeignKeys(true);
    config.setSynchronous(
        options.synchronous().equals("full")
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    return config;
  }

  /**
   * The settings of a reading connection (the CLI, next to a node that may be writing).
   *
   * @throws StoreException if there is no store at {@code path}
   */
  static SQLiteConfig readOnly(Path path, Duration busyTimeout) {
    if (!Files.isRegularFile(path)) {
      throw new StoreException("no signature store at " + path.toAbsolutePath());
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(millis(busyTimeout));
    return config;
  }

  /** A connection to {@code path} with {@code config}. */
  static Connection connect(Path path, SQLiteConfig config) {
    try {
      return DriverManager.getConnection(
          "jdbc:sqlite:" + path.toAbsolutePath(), config.toProperties());
    } catch (SQLException e) {
      throw new StoreException(
          "cannot open the signature store " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Closes {@code connection} once {@code lock} is free (no statement of its owner under way); an
   * open transaction is rolled back, never committed half-done.
   */
  static void close(Connection connection, java.util.concurrent.locks.Lock lock, Path path) {
    lock.lock();
    try {
      if (!connection.isClosed()) {
        connection.close();
      }
    } catch (SQLException e) {
      throw new StoreException("could not close the signature store " + path, e);
    } finally {
      lock.unlock();
    }
  }

  /** Work done inside a transaction. */
  interface Work<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction on {@code connection}, holding
   * {@code lock}; rolls back on any failure. A refused lifecycle move is rethrown as it is, any
   * other failure as a {@link StoreException} saying what could not be done.
   */
  static <T> T inTransaction(
      Connection connection, java.util.concurrent.locks.Lock lock, Path path, String what, Work<T> work) {
    lock.lock();
    try {
      SqliteSignatureStore.execute(connection, "BEGIN IMMEDIATE");
      try {
        T result = work.run();
        SqliteSignatureStore.execute(connection, "COMMIT");
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          SqliteSignatureStore.execute(connection, "ROLLBACK");
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        if (e instanceof dev.vigil.rounds.SignatureStore.IllegalTransitionException ite) {
          throw ite;
        }
        throw new StoreException("could not " + what + " in " + path + ": " + e.getMessage(), e);
      }
    } catch (SQLException e) {
      throw new StoreException("could not " + what + " in " + path + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Binds a statement's parameters. */
  interface Binder {
    void bind(java.sql.PreparedStatement ps) throws SQLException;
  }

  /** Makes one value of a result row. */
  interface RowMapper<T> {
    T map(java.sql.ResultSet rs) throws SQLException;
  }

  /** Runs the query {@code sql} on {@code connection}, holding {@code lock}, one value per row. */
  static <T> java.util.List<T> read(
      Connection connection, java.util.concurrent.locks.Lock lock, Path path, String sql, Binder binder,
      RowMapper<T> mapper) {
    lock.lock();
    try (java.sql.PreparedStatement ps = connection.prepareStatement(sql)) {
      binder.bind(ps);
      java.util.List<T> rows = new java.util.ArrayList<>();
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(mapper.map(rs));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new StoreException("could not read the signature store " + path + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }
}
