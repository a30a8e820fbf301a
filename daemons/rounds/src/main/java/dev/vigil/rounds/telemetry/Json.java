package dev.vigil.rounds.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** Small readers for the JSON shapes backends send; a wrong shape throws, so the row is skipped. */
final class Json {
  private Json() {}

  /** The field as text, or empty when absent or null. */
  static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  /** A 64-bit integer written as a JSON number or a decimal string (OTLP/JSON, Tempo, Loki). */
  static long longValue(JsonNode v, String what) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      throw new IllegalArgumentException("missing " + what);
    }
    if (v.isIntegralNumber()) {
      return v.asLong();
    }
    if (v.isTextual()) {
      try {
        return Long.parseLong(v.asText().strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(what + " is not an integer: " + v.asText(), e);
      }
    }
    throw new IllegalArgumentException(what + " is not an integer: " + v);
  }

  static Instant fromNanos(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  static Instant fromMicros(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
  }

  static long toMicros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }

  /** An array field, or an empty array node when absent or null. */
  static Iterable<JsonNode> array(JsonNode node, String field) {
    return elements(node == null ? null : node.get(field), field);
  }

  /** The elements of an array node; none for absent or null; throws for anything else. */
  static Iterable<JsonNode> elements(JsonNode v, String what) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return java.util.List.of();
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException(what + " is not an array");
    }
    return v;
  }
}
