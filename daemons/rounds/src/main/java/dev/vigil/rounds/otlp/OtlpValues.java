package dev.vigil.rounds.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/** Small conversions of OTLP values: ids to hex, attribute values to text, nanoseconds to time. */
final class OtlpValues {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private OtlpValues() {}

  /** Lower-case hex of an id; empty for an empty id. */
  static String hex(ByteString id) {
    int n = id.size();
    if (n == 0) {
      return "";
    }
    char[] out = new char[n * 2];
    for (int i = 0; i < n; i++) {
      int b = id.byteAt(i) & 0xFF;
      out[2 * i] = HEX[b >>> 4];
      out[2 * i + 1] = HEX[b & 0xF];
    }
    return new String(out);
  }

  /** True if every byte of the id is zero (the spec's "invalid" id). */
  static boolean allZero(ByteString id) {
    for (int i = 0, n = id.size(); i < n; i++) {
      if (id.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** The string value of attribute {@code key}, or null when absent. Linear: lists are short. */
  static String attribute(List<KeyValue> attributes, String key) {
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      if (kv.getKey().equals(key)) {
        return text(kv.getValue());
      }
    }
    return null;
  }

  /**
   * An attribute value as text: strings as they are, scalars in their usual form, bytes in
   * base64, arrays and key-value lists in a JSON-like form.
   */
  static String text(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case INT_VALUE -> Long.toString(v.getIntValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      case BYTES_VALUE -> Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE, KVLIST_VALUE -> {
        StringBuilder s = new StringBuilder();
        appendJson(s, v);
        yield s.toString();
      }
      case VALUE_NOT_SET -> "";
      default -> "";
    };
  }

  private static void appendJson(StringBuilder s, AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE -> appendQuoted(s, v.getStringValue());
      case ARRAY_VALUE -> {
        s.append('[');
        List<AnyValue> values = v.getArrayValue().getValuesList();
        for (int i = 0; i < values.size(); i++) {
          if (i > 0) {
            s.append(',');
          }
          appendJson(s, values.get(i));
        }
        s.append(']');
      }
      case KVLIST_VALUE -> {
        s.append('{');
        List<KeyValue> values = v.getKvlistValue().getValuesList();
        for (int i = 0; i < values.size(); i++) {
          if (i > 0) {
            s.append(',');
          }
          appendQuoted(s, values.get(i).getKey());
          s.append(':');
          appendJson(s, values.get(i).getValue());
        }
        s.append('}');
      }
      case VALUE_NOT_SET -> s.append("null");
      default -> s.append(text(v));
    }
  }

  private static void appendQuoted(StringBuilder s, String text) {
    s.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        case '\n' -> s.append("\\n");
        case '\r' -> s.append("\\r");
        case '\t' -> s.append("\\t");
        default -> {
          if (c < 0x20) {
            s.append(String.format("\\u%04x", (int) c));
          } else {
            s.append(c);
          }
        }
      }
    }
    s.append('"');
  }

  /** A {@code fixed64} nanosecond timestamp as an instant, or null when unset (0 or overflowed). */
  static Instant time(long unixNanos) {
    if (unixNanos <= 0) {
      return null;
    }
    return Instant.ofEpochSecond(unixNanos / 1_000_000_000L, unixNanos % 1_000_000_000L);
  }
}
