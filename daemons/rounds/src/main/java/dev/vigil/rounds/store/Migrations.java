package dev.vigil.rounds.store;

import dev.vigil.rounds.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The SQLite schema's numbered migrations, applied in order at open. The schema version is
 * SQLite's own {@code PRAGMA user_version}, which lives in the database header and so commits or
 * rolls back with the migration that sets it: a crash mid-migration leaves the previous version.
 *
 * <p>Why not Flyway: these are a handful of linear SQL files for one embedded file; Flyway would
 * add its jar and a class-path scan to the start of every CLI call ({@code vigil signatures list}
 * opens the store too) for features (checksums of edited migrations, repair, undo) that an
 * embedded store whose files ship inside the jar does not need.
 */
final class Migrations {
  /** The migrations, in order; migration {@code i} (0-based) brings the schema to version i + 1. */
  static final List<String> FILES = List.of("001-signatures.sql", "002-diagnosis.sql", "003-notifications.sql", "004-model-processes.sql");

  private Migrations() {}

  /** The schema version this code reads and writes. */
  static int current() {
    return FILES.size();
  }

  /** Applies the migrations the database lacks, each in its own transaction. */
  static void migrate(Connection c, Path path) throws SQLException {
    int version = version(c);
    if (version > current()) {
      throw tooNew(path, version);
    }
    for (int i = version; i < FILES.size(); i++) {
      String sql = load(FILES.get(i));
      SqliteSignatureStore.execute(c, "BEGIN IMMEDIATE");
      try {
        // another process may have migrated it while this one waited for the lock
        if (version(c) > i) {
          SqliteSignatureStore.execute(c, "COMMIT");
          continue;
        }
        for (String statement : statements(sql)) {
          SqliteSignatureStore.execute(c, statement);
        }
        SqliteSignatureStore.execute(c, "PRAGMA user_version = " + (i + 1));
        SqliteSignatureStore.execute(c, "COMMIT");
      } catch (SQLException | RuntimeException e) {
        try {
          SqliteSignatureStore.execute(c, "ROLLBACK");
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw new StoreException(
            "migration " + FILES.get(i) + " of the signature store " + path + " failed: "
                + e.getMessage(),
            e);
      }
    }
  }

  /** Checks that a store opened read-only has exactly the schema this code reads. */
  static void requireCurrent(Connection c, Path path) throws SQLException {
    int version = version(c);
    if (version > current()) {
      throw tooNew(path, version);
    }
    if (version < current()) {
      throw new StoreException(
          "the signature store "
              + path
              + " has schema version "
              + version
              + " but this vigil reads version "
              + current()
              + "; start the node (or run vigil scan) once to migrate it");
    }
  }

  static int version(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  private static StoreException tooNew(Path path, int version) {
    return new StoreException(
        "the signature store "
            + path
            + " has schema version "
            + version
            + ", newer than the "
            + current()
            + " this vigil knows: it was written by a newer Vigil");
  }

  private static String load(String file) {
    String resource = "sqlite/" + file;
    try (InputStream in = Migrations.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("migration " + resource + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + resource, e);
    }
  }

  /** Splits a migration into statements at semicolons ending a line, dropping comment lines. */
  static List<String> statements(String sql) {
    StringBuilder kept = new StringBuilder();
    for (String line : sql.split("\n", -1)) {
      if (!line.strip().startsWith("--")) {
        kept.append(line).append('\n');
      }
    }
    return java.util.Arrays.stream(kept.toString().split(";\\s*\n"))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .toList();
  }
}
