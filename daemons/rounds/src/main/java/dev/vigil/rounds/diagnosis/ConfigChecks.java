package dev.vigil.rounds.diagnosis;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Reads settings and collects every bad value with its path, value and reason, so a bad
 * configuration is reported whole ({@link #throwIfAny()}) rather than one key per start.
 * Used by this module's factories; not thread-safe.
 */
public final class ConfigChecks {
  private final Config config;
  private final List<ConfigException.ValidationProblem> problems = new ArrayList<>();

  /** Checks over the whole merged configuration. */
  public ConfigChecks(Config config) {
    this.config = config;
  }

  /** Records a problem with the value at {@code path}. */
  public void problem(String path, String why) {
    String shown = config.hasPath(path) ? render(path) : "(missing)";
    problems.add(new ConfigException.ValidationProblem(
        path, config.hasPath(path) ? config.getValue(path).origin() : config.origin(),
        shown + ": " + why));
  }

  private String render(String path) {
    String last = path.substring(path.lastIndexOf('.') + 1);
    if (last.equals("api-key") || last.equals("token")) {
      return "<redacted>";
    }
    ConfigValue v = config.getValue(path);
    return v.render(com.typesafe.config.ConfigRenderOptions.concise());
  }

  /** A string (empty allowed). */
  public String string(String path) {
    try {
      return config.getString(path);
    } catch (ConfigException e) {
      problem(path, "must be a string");
      return "";
    }
  }

  /** One of {@code allowed}. */
  public String oneOf(String path, Set<String> allowed) {
    String v = string(path).strip();
    if (!allowed.contains(v)) {
      problem(path, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
    }
    return v;
  }

  /** A comma-separated list, blanks dropped. */
  public List<String> list(String path) {
    return Arrays.stream(string(path).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** An integer in {@code [min, max]}. */
  public int integer(String path, int min, int max) {
    try {
      int v = config.getInt(path);
      if (v < min || v > max) {
        problem(path, "must be between " + min + " and " + max);
        return Math.max(min, Math.min(max, v)); // reported; a valid stand-in lets checks go on
      }
      return v;
    } catch (ConfigException e) {
      problem(path, "must be a whole number");
      return min;
    }
  }

  /** A decimal number of at least {@code min}. */
  public BigDecimal decimal(String path, BigDecimal min) {
    try {
      BigDecimal v = new BigDecimal(config.getString(path).strip());
      if (v.compareTo(min) < 0) {
        problem(path, "must be at least " + min.toPlainString());
        return min; // reported; a valid stand-in lets checks go on
      }
      return v;
    } catch (ConfigException | NumberFormatException e) {
      problem(path, "must be a decimal number");
      return min;
    }
  }

  /** A boolean. */
  public boolean bool(String path) {
    try {
      return config.getBoolean(path);
    } catch (ConfigException e) {
      problem(path, "must be true or false");
      return false;
    }
  }

  /** An absolute http(s) URL. */
  public URI url(String path) {
    String v = string(path).strip();
    try {
      URI u = new URI(v);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
        problem(path, "must be an http or https URL");
      }
      return u;
    } catch (URISyntaxException e) {
      problem(path, "must be an http or https URL (" + e.getReason() + ")");
      return URI.create("http://invalid");
    }
  }

  /** A non-empty string. */
  public String required(String path, String why) {
    String v = string(path).strip();
    if (v.isEmpty()) {
      problem(path, why);
    }
    return v;
  }

  /**
   * Runs {@code check} and keeps the problems of the {@link ConfigException} it throws instead of
   * stopping at them, so that one run names every bad key of several sections.
   *
   * @return what {@code check} returned, or null if it threw
   */
  public <T> T attempt(java.util.function.Supplier<T> check) {
    try {
      return check.get();
    } catch (ConfigException.ValidationFailed e) {
      e.problems().forEach(problems::add);
    } catch (ConfigException e) {
      problems.add(problemOf(e));
    }
    return null;
  }

  /** typesafe-config's BadValue message: "ORIGIN: Invalid value at 'PATH': WHY". */
  private static final java.util.regex.Pattern BAD_VALUE =
      java.util.regex.Pattern.compile("Invalid value at '([^']*)': (.*)", java.util.regex.Pattern.DOTALL);

  private ConfigException.ValidationProblem problemOf(ConfigException e) {
    com.typesafe.config.ConfigOrigin origin = e.origin() != null ? e.origin() : config.origin();
    java.util.regex.Matcher m = BAD_VALUE.matcher(String.valueOf(e.getMessage()));
    return m.find()
        ? new ConfigException.ValidationProblem(m.group(1), origin, m.group(2))
        : new ConfigException.ValidationProblem("vigil", origin, String.valueOf(e.getMessage()));
  }

  /** The configuration read. */
  public Config config() {
    return config;
  }

  /**
   * Throws the problems found, if any: one as {@link ConfigException.BadValue}, several as
   * {@link ConfigException.ValidationFailed}.
   */
  public void throwIfAny() {
    if (problems.size() == 1) {
      ConfigException.ValidationProblem p = problems.get(0);
      throw new ConfigException.BadValue(p.origin(), p.path(), p.problem());
    }
    if (!problems.isEmpty()) {
      throw new ConfigException.ValidationFailed(problems);
    }
  }
}
