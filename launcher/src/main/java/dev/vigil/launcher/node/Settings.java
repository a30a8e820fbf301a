package dev.vigil.launcher.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The node's settings, read once at start: the built-in {@code reference.conf} files (the
 * launcher's and each daemon module's), then the profile file, then {@code --config}, then
 * environment variables. Every bad value is reported with its key, the value, where it came from
 * and why ({@link BadConfigException}).
 *
 * @param httpHost the address the HTTP server binds
 * @param httpPort its port; 0 picks a free one
 * @param stateDir where node.json, the token and the lock live
 * @param shutdownTimeout how long each daemon may take to stop
 * @param drain how long {@code /ready} answers 503 after a shutdown signal before daemons stop
 * @param restartMax the restarts a daemon gets before FAILED, unless its spec or block says
 * @param healthInterval how often health checks run, unless a daemon's spec or block says
 * @param profileDaemons the daemon names the profile lists
 * @param sources the configuration these were read from, for the daemons' own settings
 */
public record Settings(
    String httpHost,
    int httpPort,
    Path stateDir,
    Duration shutdownTimeout,
    Duration drain,
    int restartMax,
    Duration healthInterval,
    List<String> profileDaemons,
    Sources sources) {

  /** Where the variables that set keys are declared, in each module's {@code reference.conf}. */
  static final String ENVIRONMENT_PATH = "vigil.environment";

  /**
   * The layers of configuration a node reads.
   *
   * @param reference every {@code reference.conf} on the class path, merged
   * @param given the profile file, {@code --config} and the environment, merged without the
   *     reference (what an operator wrote: checked for unknown keys)
   * @param merged all of them, resolved: what settings are read from
   */
  public record Sources(Config reference, Config given, Config merged) {}

  /**
   * Loads the settings.
   *
   * @param profileFile the profile's file (HOCON with {@code vigil.profile.daemons}), if any
   * @param userFile the {@code --config} file, if any
   * @param env the process environment
   * @throws BadConfigException naming every bad key at once
   */
  public static Settings load(Path profileFile, Path userFile, Map<String, String> env) {
    return from(sources(profileFile, userFile, env));
  }

  /**
   * The merged, resolved configuration {@link #load} reads its settings from. Values are not
   * checked here; {@link #from} does that.
   *
   * @throws BadConfigException if a file is missing or not valid HOCON, or a substitution fails
   */
  public static Config effective(Path profileFile, Path userFile, Map<String, String> env) {
    return sources(profileFile, userFile, env).merged();
  }

  /**
   * Reads the layers: {@code reference.conf}, the profile file, {@code --config} and the
   * environment, in that precedence.
   *
   * @throws BadConfigException if a file is missing or not valid HOCON, or a substitution fails
   */
  public static Sources sources(Path profileFile, Path userFile, Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    // the reference files alone: defaultReference() would let -Dvigil.* system properties in too
    Config reference =
        ConfigFactory.parseResources(Settings.class.getClassLoader(), "reference.conf").resolve();
    Config given = ConfigFactory.parseMap(environmentOverrides(reference, env), "environment");
    given = given.withFallback(parseFile(userFile, "--config", problems));
    given = given.withFallback(parseFile(profileFile, "profile", problems));
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    try {
      Config merged = given.withFallback(reference).resolve(ConfigResolveOptions.defaults());
      return new Sources(reference, given, merged);
    } catch (ConfigException e) {
      throw new BadConfigException(List.of(e.getMessage()));
    }
  }

  /**
   * The environment variables that set keys, and their keys, as the {@code reference.conf} files
   * declare them under {@value #ENVIRONMENT_PATH}.
   */
  public static Map<String, String> environment(Config reference) {
    Map<String, String> variables = new TreeMap<>();
    if (reference.hasPath(ENVIRONMENT_PATH)) {
      reference
          .getConfig(ENVIRONMENT_PATH)
          .entrySet()
          .forEach(e -> variables.put(e.getKey(), String.valueOf(e.getValue().unwrapped())));
    }
    return variables;
  }

  /**
   * Reads and checks the settings in {@code sources}.
   *
   * @throws BadConfigException naming every bad key at once
   */
  public static Settings from(Sources sources) {
    Config config = sources.merged();
    List<String> problems = new ArrayList<>();
    Reader r = new Reader(config, problems, environment(sources.reference()));
    String host = r.string("vigil.http.host");
    int port = r.intIn("vigil.http.port", 0, 65_535);
    Path stateDir = Path.of(r.string("vigil.state-dir"));
    Duration shutdown = r.positiveDuration("vigil.shutdown-timeout");
    Duration drain = Duration.ofSeconds(r.intIn("vigil.drain-seconds", 0, 3_600));
    int restartMax = r.intIn("vigil.restart-max", 0, 1_000);
    Duration healthInterval = r.positiveDuration("vigil.health-interval");
    List<String> daemons =
        config.hasPath("vigil.profile.daemons") ? r.strings("vigil.profile.daemons") : List.of();
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    return new Settings(
        host, port, stateDir, shutdown, drain, restartMax, healthInterval, daemons, sources);
  }

  /** The merged configuration, for the daemons' own settings. */
  public Config config() {
    return sources.merged();
  }

  /** Keys whose values are secrets: the last path element contains one of these words. */
  private static final Pattern SECRET_KEY =
      Pattern.compile("token|secret|password|key|credential", Pattern.CASE_INSENSITIVE);

  /** The user information of a URL ({@code scheme://user:pass@host}). */
  private static final Pattern URL_CREDENTIALS =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/?#@\\s]+@");

  /** What a secret shows as. */
  public static final String REDACTED = "<redacted>";

  /**
   * The {@code vigil} part of {@code config} as HOCON, each value with a comment saying where it
   * came from, and secrets redacted ({@link #redacted}).
   */
  public static String render(Config config) {
    ConfigObject vigil =
        redacted(config.withOnlyPath("vigil").withoutPath(ENVIRONMENT_PATH).root());
    String text =
        vigil.render(
            ConfigRenderOptions.defaults()
                .setJson(false)
                .setComments(false)
                .setOriginComments(true)
                .setFormatted(true));
    // the root's own origin comment ("merge of ...") says nothing; the built-in file's origin is a
    // jar or class-path URL
    return text.lines()
            .dropWhile(line -> line.strip().startsWith("#"))
            .collect(Collectors.joining("\n"))
            .replaceAll("reference\\.conf @ (jar:|file:)\\S*?reference\\.conf", "reference.conf (built in)")
            .stripTrailing()
        + "\n";
  }

  /**
   * {@code object} with every value under a secret-looking key (containing token, secret,
   * password, key or credential, in any case) replaced by {@value #REDACTED}, and the credentials
   * in URL strings ({@code user:pass@}) too; origins are kept.
   */
  public static ConfigObject redacted(ConfigObject object) {
    ConfigObject result = object;
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      ConfigValue value = e.getValue();
      ConfigValue replaced =
          SECRET_KEY.matcher(e.getKey()).find()
              ? ConfigValueFactory.fromAnyRef(REDACTED).withOrigin(value.origin())
              : redacted(value);
      result = result.withValue(e.getKey(), replaced);
    }
    return result;
  }

  private static ConfigValue redacted(ConfigValue value) {
    return switch (value) {
      case ConfigObject object -> redacted(object);
      case ConfigList list ->
          ConfigValueFactory.fromIterable(list.stream().map(Settings::redacted).toList())
              .withOrigin(list.origin());
      default -> {
        if (value.valueType() == ConfigValueType.STRING) {
          String text = (String) value.unwrapped();
          String clean = URL_CREDENTIALS.matcher(text).replaceAll("$1" + REDACTED + "@");
          yield clean.equals(text)
              ? value
              : ConfigValueFactory.fromAnyRef(clean).withOrigin(value.origin());
        }
        yield value;
      }
    };
  }

  /** Durations in the built-in files: a number and a unit ({@code 30s}, {@code 500ms}). */
  private static final Pattern DURATION = Pattern.compile("\\d+(\\.\\d+)?\\s*[a-zA-Z]+");

  private static Map<String, Object> environmentOverrides(
      Config reference, Map<String, String> env) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    environment(reference)
        .forEach(
            (variable, key) -> {
              String value = env.get(variable);
              if (value == null || value.isBlank()) {
                return;
              }
              value = value.strip();
              // HOCON reads a bare number as milliseconds; from a variable it means seconds
              if (value.matches("\\d+")
                  && reference.hasPath(key)
                  && DURATION.matcher(String.valueOf(reference.getValue(key).unwrapped())).matches()) {
                value = value + "s";
              }
              overrides.put(key, value);
            });
    return overrides;
  }

  private static Config parseFile(Path file, String what, List<String> problems) {
    if (file == null) {
      return ConfigFactory.empty();
    }
    if (!Files.isRegularFile(file)) {
      problems.add(what + " file " + file + " does not exist or is not a file");
      return ConfigFactory.empty();
    }
    try {
      return ConfigFactory.parseFile(
          file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      problems.add(what + " file " + file + " is not valid HOCON: " + e.getMessage());
      return ConfigFactory.empty();
    }
  }

  /** Reads typed values, turning each failure into one problem line. */
  private record Reader(Config config, List<String> problems, Map<String, String> environment) {
    String string(String key) {
      try {
        return config.getString(key);
      } catch (ConfigException e) {
        problems.add(describe(key, "is not a string", e));
        return "";
      }
    }

    List<String> strings(String key) {
      try {
        return config.getStringList(key);
      } catch (ConfigException e) {
        problems.add(describe(key, "is not a list of names", e));
        return List.of();
      }
    }

    int intIn(String key, int min, int max) {
      try {
        int value = config.getInt(key);
        if (value < min || value > max) {
          problems.add(describe(key, "must be between " + min + " and " + max, null));
        }
        return value;
      } catch (ConfigException e) {
        problems.add(describe(key, "is not a whole number", e));
        return min;
      }
    }

    Duration duration(String key) {
      try {
        Duration d = config.getDuration(key);
        if (d.isNegative()) {
          problems.add(describe(key, "must not be negative", null));
        }
        return d;
      } catch (ConfigException e) {
        problems.add(describe(key, "is not a duration (e.g. 30s, 500ms, 2m)", e));
        return null;
      }
    }

    Duration positiveDuration(String key) {
      Duration d = duration(key);
      if (d != null && d.isZero()) {
        problems.add(describe(key, "must be positive", null));
      }
      return d;
    }

    private String describe(String key, String why, ConfigException cause) {
      String value;
      String origin;
      try {
        value = config.getValue(key).render(com.typesafe.config.ConfigRenderOptions.concise());
        origin = originOf(key);
      } catch (ConfigException missing) {
        value = "(missing)";
        origin = "nowhere";
      }
      return key + " = " + value + " (from " + origin + ") " + why;
    }

    private String originOf(String key) {
      String description = config.getValue(key).origin().description();
      for (Map.Entry<String, String> e : environment.entrySet()) {
        if (e.getValue().equals(key) && description.contains("environment")) {
          return "environment variable " + e.getKey();
        }
      }
      return description;
    }
  }
}
