package dev.vigil.sandbox;

import java.time.Duration;

/** Short human forms of durations for details ("850ms", "2.5s", "3m", "2h 5m"). */
final class Durations {
  private Durations() {}

  static String text(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return (ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.format("%.1f", ms / 1000.0)) + "s";
    }
    long minutes = d.toMinutes();
    if (minutes < 60) {
      long s = d.toSecondsPart();
      return minutes + "m" + (s == 0 ? "" : " " + s + "s");
    }
    long m = d.toMinutesPart();
    return d.toHours() + "h" + (m == 0 ? "" : " " + m + "m");
  }
}
