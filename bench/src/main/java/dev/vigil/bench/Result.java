package dev.vigil.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one repetition, printed as the one line {@code scripts/bench} passes through:
 * {@code RESULT bench=<scenario> n=<N> rep=<i> | <metric>=<value> ...}. Metrics keep the order in
 * which they were added, so the headline figure comes first.
 *
 * @param scenario the scenario's name, e.g. {@code start-stop}
 * @param n the number of daemons
 * @param rep the repetition's number, 1-based
 * @param metrics metric name to formatted value, in insertion order
 */
public record Result(String scenario, int n, int rep, Map<String, String> metrics) {

  /** An empty result for one repetition. */
  public Result(String scenario, int n, int rep) {
    this(scenario, n, rep, new LinkedHashMap<>());
  }

  /** Adds a decimal metric, rounded to {@code decimals} places. */
  public Result put(String name, double value, int decimals) {
    metrics.put(name, String.format(Locale.ROOT, "%." + decimals + "f", value));
    return this;
  }

  /** Adds an integral metric. */
  public Result put(String name, long value) {
    metrics.put(name, Long.toString(value));
    return this;
  }

  /** The RESULT line. */
  public String line() {
    StringBuilder b =
        new StringBuilder("RESULT bench=")
            .append(scenario)
            .append(" n=")
            .append(n)
            .append(" rep=")
            .append(rep)
            .append(" |");
    metrics.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
    return b.toString();
  }
}
