package dev.vigil.launcher.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The node's state directory: {@code node.lock} (held while the node runs, so a second node on the
 * same directory refuses to start), {@code token} (the control API's bearer token, mode 0600) and
 * {@code node.json} (pid and URL, so clients find the node; removed on clean exit).
 */
public final class StateDir implements AutoCloseable {
  static final String NODE_FILE = "node.json";
  static final String TOKEN_FILE = "token";
  private static final String LOCK_FILE = "node.lock";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private StateDir(Path dir, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Creates the directory (0700) if needed and takes its lock.
   *
   * @throws IllegalStateException if another node holds the lock
   */
  public static StateDir acquire(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        setPermissions(dir, "rwx------");
      }
      FileChannel channel =
          FileChannel.open(
              dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        String holder = readNode(dir).map(n -> " (pid " + n.get("pid") + ")").orElse("");
        throw new IllegalStateException(
            "another vigil node is running with state directory "
                + dir.toAbsolutePath()
                + holder
                + "; stop it with `vigil --stop` or use another VIGIL_STATE_DIR");
      }
      return new StateDir(dir, channel, lock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use state directory " + dir.toAbsolutePath(), e);
    }
  }

  /** The directory. */
  public Path path() {
    return dir;
  }

  /** Writes a fresh random token, readable by the owner only, and returns it. */
  public String writeNewToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    String token = HexFormat.of().formatHex(bytes);
    Path file = dir.resolve(TOKEN_FILE);
    try {
      Files.deleteIfExists(file);
      Files.createFile(file);
      setPermissions(file, "rw-------");
      Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return token;
  }

  /** Writes {@code node.json} atomically (temp file, then rename). */
  public void writeNode(Map<String, Object> node) {
    Path file = dir.resolve(NODE_FILE);
    Path tmp = dir.resolve(NODE_FILE + ".tmp");
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), node);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Reads {@code node.json} of {@code dir}, if a node wrote one. */
  @SuppressWarnings("unchecked")
  public static Optional<Map<String, Object>> readNode(Path dir) {
    Path file = dir.resolve(NODE_FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      // a tree, not readValue(Map.class): a client's start-up is shorter without Jackson's
      // databind for maps (node.json is flat: numbers and strings)
      JsonNode tree = JSON.readTree(file.toFile());
      Map<String, Object> node = new LinkedHashMap<>();
      tree.properties()
          .forEach(e -> node.put(e.getKey(), e.getValue().isNumber() ? e.getValue().numberValue() : e.getValue().asText()));
      return Optional.of(node);
    } catch (IOException e) {
      return Optional.empty(); // half-written or foreign: as if there were none
    }
  }

  /** Reads the token of {@code dir}, if there is one. */
  public static Optional<String> readToken(Path dir) {
    Path file = dir.resolve(TOKEN_FILE);
    try {
      return Files.isRegularFile(file)
          ? Optional.of(Files.readString(file, StandardCharsets.US_ASCII).strip())
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Removes node.json and the token and releases the lock: the node is gone. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(dir.resolve(NODE_FILE));
      Files.deleteIfExists(dir.resolve(TOKEN_FILE)); // a token of no running node grants nothing
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release state directory " + dir, e);
    }
  }

  private static void setPermissions(Path path, String permissions) throws IOException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    } catch (UnsupportedOperationException notPosix) {
      // not a POSIX file system: the platform's defaults apply
    }
  }
}
