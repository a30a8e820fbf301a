package dev.vigil.rounds.telemetry;

import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Trace and span ids as the store keys them (wire-formats 0.2): lower-case hex, trace ids
 * left-padded to 32 digits and span ids to 16. Backends send hex in either case, hex with its
 * leading zeros trimmed (Tempo search, old Jaeger), or base64 (Tempo trace by id).
 */
final class Ids {
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");

  private Ids() {}

  /** The normalised trace id, or empty for a missing one; throws on something not an id. */
  static String traceId(String raw) {
    return normalise(raw, 32, "trace id");
  }

  /** The normalised span id, or empty for a missing one; throws on something not an id. */
  static String spanId(String raw) {
    return normalise(raw, 16, "span id");
  }

  private static String normalise(String raw, int digits, String what) {
    if (raw == null || raw.isBlank()) {
      return "";
    }
    String s = raw.strip();
    if (s.length() <= digits && HEX.matcher(s).matches()) {
      return "0".repeat(digits - s.length()) + s.toLowerCase(java.util.Locale.ROOT);
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a hex or base64 " + what + ": " + s, e);
    }
    if (bytes.length == 0 || bytes.length * 2 > digits) {
      throw new IllegalArgumentException("not a " + what + " (" + bytes.length + " bytes): " + s);
    }
    String hex = HexFormat.of().formatHex(bytes);
    return "0".repeat(digits - hex.length()) + hex;
  }
}
