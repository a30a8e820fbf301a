package dev.vigil.launcher.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A strict reader of the Prometheus text format, enough to check that a scrape parses. */
final class PrometheusText {
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})?)"
              + " (\\S+)( -?[0-9]+)?");
  private static final Pattern COMMENT =
      Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

  private PrometheusText() {}

  /**
   * Every sample, keyed by its name and labels as written.
   *
   * @throws AssertionError on a line that is neither a sample nor a HELP/TYPE comment
   */
  static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.equals("# EOF")) {
        continue;
      }
      if (line.startsWith("#")) {
        if (!COMMENT.matcher(line).matches()) {
          throw new AssertionError("not a HELP or TYPE line: " + line);
        }
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("not a sample line: " + line);
      }
      if (samples.put(m.group(1), value(m.group(2))) != null) {
        throw new AssertionError("sample repeated: " + line);
      }
    }
    return samples;
  }

  private static double value(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }
}
