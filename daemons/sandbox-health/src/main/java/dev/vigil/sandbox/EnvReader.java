package dev.vigil.sandbox;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads environment variables from the process and from {@code .env}-style files, as the
 * supervised runtime would see them. Files are read again on every call, so a key rotated in
 * {@code .env} is seen at the next run without a restart. Thread-safe.
 */
final class EnvReader {

  /** Reads a file's text; an absent file is empty, an unreadable one throws. */
  @FunctionalInterface
  interface FileSource {
    Optional<String> read(Path file) throws IOException;

    /** The real file system. */
    static FileSource files() {
      return file -> {
        try {
          return Optional.of(java.nio.file.Files.readString(file));
        } catch (NoSuchFileException e) {
          return Optional.empty();
        }
      };
    }
  }

  /** A variable's value and where it came from ({@code process} or a file name). */
  record Value(String value, String source) {}

  /**
   * What the sources hold.
   *
   * @param values every variable, after precedence
   * @param problems files that exist but could not be read, each a sentence
   */
  record Snapshot(Map<String, Value> values, List<String> problems) {
    /** The value of the first of {@code names} that is set and not blank. */
    Optional<Map.Entry<String, Value>> first(List<String> names) {
      for (String n : names) {
        Value v = values.get(n);
        if (v != null && !v.value().isBlank()) {
          return Optional.of(Map.entry(n, v));
        }
      }
      return Optional.empty();
    }

    Optional<String> get(String name) {
      Value v = values.get(name);
      return v == null ? Optional.empty() : Optional.of(v.value());
    }
  }

  private final Map<String, String> process;
  private final Path baseDir;
  private final FileSource files;
  // With no files to read, a snapshot depends on the (immutable) process map alone: probes that run
  // every second need not copy the whole environment on every run
  private final Map<Check.EnvSources, Snapshot> processOnly = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile Map<Check.EnvSources, Snapshot> byInstance = new java.util.IdentityHashMap<>();

  /**
   * @param process the process environment
   * @param baseDir what relative file names resolve against
   */
  EnvReader(Map<String, String> process, Path baseDir, FileSource files) {
    this.process = Map.copyOf(process);
    this.baseDir = baseDir;
    this.files = files;
  }

  /** Reads {@code sources}: files in order (later wins), then the process by precedence. */
  Snapshot read(Check.EnvSources sources) {
    if (sources.files().isEmpty()) {
      // each probe holds its own sources instance: found by identity, no record hashing per run
      Snapshot known = byInstance.get(sources);
      if (known != null) {
        return known;
      }
      Snapshot snapshot = processOnly.computeIfAbsent(sources, this::readNow);
      synchronized (processOnly) {
        Map<Check.EnvSources, Snapshot> next = new java.util.IdentityHashMap<>(byInstance);
        next.put(sources, snapshot);
        byInstance = next; // replaced whole, never changed once published
      }
      return snapshot;
    }
    return readNow(sources);
  }

  private Snapshot readNow(Check.EnvSources sources) {
    Map<String, Value> fromFiles = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Path f : sources.files()) {
      Path file = baseDir.resolve(f);
      try {
        Optional<String> text = files.read(file);
        text.ifPresent(t -> parse(t).forEach((k, v) -> fromFiles.put(k, new Value(v, f.toString()))));
      } catch (IOException e) {
        problems.add("cannot read " + f + ": " + e.getClass().getSimpleName());
      }
    }
    boolean fileFirst =
        switch (sources.precedence()) {
          case FILE_FIRST -> true;
          case PROCESS_FIRST -> false;
          case FILE_FIRST_WHEN_LOCAL -> {
            Value appEnv = fromFiles.get("APP_ENV");
            String value = process.containsKey("APP_ENV") ? process.get("APP_ENV") : appEnv == null ? null : appEnv.value();
            yield "local".equals(value == null ? null : value.strip());
          }
        };
    Map<String, Value> values = new LinkedHashMap<>();
    if (fileFirst) {
      process.forEach((k, v) -> values.put(k, new Value(v, "process")));
      values.putAll(fromFiles);
    } else {
      values.putAll(fromFiles);
      process.forEach((k, v) -> values.put(k, new Value(v, "process")));
    }
    return new Snapshot(Map.copyOf(values), List.copyOf(problems));
  }

  /**
   * Parses dotenv text: {@code KEY=VALUE} lines, optional {@code export}, {@code #} comments,
   * values in single or double quotes taken literally, an unquoted value ending at {@code " #"}.
   */
  static Map<String, String> parse(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String raw : text.split("\\R")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring(7).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2
          && (value.charAt(0) == '"' || value.charAt(0) == '\'')
          && value.indexOf(value.charAt(0), 1) > 0) {
        value = value.substring(1, value.indexOf(value.charAt(0), 1));
      } else {
        int comment = value.indexOf(" #");
        if (comment >= 0) {
          value = value.substring(0, comment).strip();
        }
      }
      out.put(key, value);
    }
    return out;
  }
}
