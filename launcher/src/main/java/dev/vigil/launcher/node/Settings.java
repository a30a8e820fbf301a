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
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The node's settings, read once at start: built-in {@code reference.conf}, then the profile file,
 * then {@code --config}, then environment variables. Every bad value is reported with its key, the
 * value, where it came from and why ({@link BadConfigException}).
 *
 * @param httpHost the address the HTTP server binds
 * @param httpPort its port; 0 picks a free one
 * @param stateDir where node.json, the token and the lock live
 * @param shutdownTimeout the overall shutdown deadline
 * @param profileDaemons the daemon names the profile lists
 */
public record Settings(
    String httpHost,
    int httpPort,
    Path stateDir,
    Duration shutdownTimeout,
    List<String> profileDaemons) {

  /** Environment variables and the keys they set; they win over every file. */
  static final Map<String, String> ENVIRONMENT =
      Map.of(
          "VIGIL_HTTP_HOST", "vigil.http.host",
          "VIGIL_HEALTH_PORT", "vigil.http.port",
          "VIGIL_STATE_DIR", "vigil.state-dir",
          "VIGIL_SHUTDOWN_TIMEOUT", "vigil.shutdown-timeout");

  /**
   * Loads the settings.
   *
   * @param profileFile the profile's file (HOCON with {@code vigil.profile.daemons}), if any
   * @param userFile the {@code --config} file, if any
   * @param env the process environment
   * @throws BadConfigException naming every bad key at once
   */
  public static Settings load(Path profileFile, Path userFile, Map<String, String> env) {
    return from(effective(profileFile, userFile, env));
  }

  /**
   * The merged, resolved configuration {@link #load} reads its settings from: {@code
   * reference.conf}, the profile file, {@code --config} and the environment, in that precedence.
   * Values are not checked here; {@link #from} does that.
   *
   * @throws BadConfigException if a file is missing or not valid HOCON, or a substitution fails
   */
  public static Config effective(Path profileFile, Path userFile, Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    Config config = ConfigFactory.parseMap(environmentOverrides(env), "environment");
    config = config.withFallback(parseFile(userFile, "--config", problems));
    config = config.withFallback(parseFile(profileFile, "profile", problems));
    config = config.withFallback(ConfigFactory.defaultReference(Settings.class.getClassLoader()));
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    try {
      config = config.resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException e) {
      throw new BadConfigException(List.of(e.getMessage()));
    }
    return config;
  }

  /**
   * Reads and checks the settings in a configuration from {@link #effective}.
   *
   * @throws BadConfigException naming every bad key at once
   */
  public static Settings from(Config config) {
    List<String> problems = new ArrayList<>();
    Reader r = new Reader(config, problems);
    String host = r.string("vigil.http.host");
    int port = r.intIn("vigil.http.port", 0, 65_535);
    Path stateDir = Path.of(r.string("vigil.state-dir"));
    Duration shutdown = r.positiveDuration("vigil.shutdown-timeout");
    List<String> daemons =
        config.hasPath("vigil.profile.daemons") ? r.strings("vigil.profile.daemons") : List.of();
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    return new Settings(host, port, stateDir, shutdown, daemons);
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
    ConfigObject vigil = redacted(config.withOnlyPath("vigil").root());
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

  private static Map<String, Object> environmentOverrides(Map<String, String> env) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    ENVIRONMENT.forEach(
        (variable, key) -> {
          String value = env.get(variable);
          if (value != null && !value.isBlank()) {
            overrides.put(key, value.strip());
          }
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
  private record Reader(Config config, List<String> problems) {
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
      for (Map.Entry<String, String> e : ENVIRONMENT.entrySet()) {
        if (e.getValue().equals(key) && description.contains("environment")) {
          return "environment variable " + e.getKey();
        }
      }
      return description;
    }
  }
}
