package dev.vigil.sandbox;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Removes secrets from text before it leaves a probe: the values of secret variables (each at
 * least 4 characters, as shorter ones would blank out ordinary words) become {@value #MASK}, and
 * credentials in URLs ({@code scheme://user:pass@host}) too. Immutable.
 */
final class Redactor {
  static final String MASK = "***";

  /** Variable names that hold secrets whatever the probes say. */
  static final Pattern SECRET_NAME =
      Pattern.compile("KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", Pattern.CASE_INSENSITIVE);

  private static final Pattern URL_CREDENTIALS =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/?#@\\s]+@");

  private final List<String> secrets;

  private Redactor(List<String> secrets) {
    this.secrets = secrets;
  }

  /**
   * A redactor for the values in {@code env} of the variables named in {@code secretNames} and of
   * every variable whose name looks secret.
   */
  static Redactor of(Map<String, EnvReader.Value> env, Set<String> secretNames) {
    List<String> values =
        env.entrySet().stream()
            .filter(e -> secretNames.contains(e.getKey()) || SECRET_NAME.matcher(e.getKey()).find())
            .map(e -> e.getValue().value().strip())
            .filter(v -> v.length() >= 4)
            .distinct()
            .sorted(Comparator.comparingInt(String::length).reversed()) // longest first
            .toList();
    return new Redactor(values);
  }

  static Redactor none() {
    return new Redactor(List.of());
  }

  String apply(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (String s : secrets) {
      out = out.replace(s, MASK);
    }
    if (out.indexOf('@') < 0) {
      return out; // no credentials in a URL without an @: spare every detail the regex
    }
    return URL_CREDENTIALS.matcher(out).replaceAll("$1" + MASK + "@");
  }

  /** {@code value} with every string in it redacted; maps and lists are copied. */
  Object applyDeep(Object value) {
    return switch (value) {
      case String s -> apply(s);
      case Map<?, ?> m when m.isEmpty() -> Map.of();
      case Map<?, ?> m -> {
        Map<String, Object> copy = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> copy.put(String.valueOf(k), applyDeep(v)));
        yield copy;
      }
      case List<?> l -> l.stream().map(this::applyDeep).toList();
      case null -> null;
      default -> value;
    };
  }
}
