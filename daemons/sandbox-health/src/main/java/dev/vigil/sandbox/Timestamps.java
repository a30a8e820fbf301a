package dev.vigil.sandbox;

import java.time.Instant;
import java.time.LocalDate;

/** Instants as text, exactly as {@link Instant#toString()} writes them. */
final class Timestamps {
  // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years written with four digits, no sign
  private static final long FIRST = -62_167_219_200L;
  private static final long LAST = 253_402_300_799L;

  private Timestamps() {}

  /**
   * {@code t.toString()} (ISO-8601, seconds always, the fraction in groups of three digits when
   * there is one), without the general formatter: the daemon's health details write every probe's
   * last runs, thousands of instants each time.
   */
  static String iso(Instant t) {
    long seconds = t.getEpochSecond();
    if (seconds < FIRST || seconds > LAST) {
      return t.toString();
    }
    LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400));
    int inDay = (int) Math.floorMod(seconds, 86_400);
    StringBuilder b = new StringBuilder(30);
    digits(b, day.getYear(), 4).append('-');
    digits(b, day.getMonthValue(), 2).append('-');
    digits(b, day.getDayOfMonth(), 2).append('T');
    digits(b, inDay / 3600, 2).append(':');
    digits(b, inDay / 60 % 60, 2).append(':');
    digits(b, inDay % 60, 2);
    int nano = t.getNano();
    if (nano > 0) {
      b.append('.');
      if (nano % 1_000_000 == 0) {
        digits(b, nano / 1_000_000, 3);
      } else if (nano % 1_000 == 0) {
        digits(b, nano / 1_000, 6);
      } else {
        digits(b, nano, 9);
      }
    }
    return b.append('Z').toString();
  }

  private static StringBuilder digits(StringBuilder b, int value, int width) {
    String s = Integer.toString(value);
    for (int i = s.length(); i < width; i++) {
      b.append('0');
    }
    return b.append(s);
  }
}
