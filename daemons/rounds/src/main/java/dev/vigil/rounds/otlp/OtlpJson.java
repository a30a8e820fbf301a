package dev.vigil.rounds.otlp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads OTLP/JSON into the generated protobuf messages, following the OTLP rules where they differ
 * from plain protobuf JSON: trace and span ids are hex, not base64; 64-bit integers may be strings
 * or numbers; enums are integers (names are accepted too, leniently); unknown fields are ignored.
 * The pre-0.19 names {@code instrumentationLibrarySpans}, {@code instrumentationLibraryLogs} and
 * {@code instrumentationLibrary} are read as their successors, since stored and third-party JSON
 * still carries them.
 *
 * <p>Driven by the message descriptors rather than hand-written per type, so every OTLP field is
 * read, including ones added to the proto later. Only JSON bodies come through here; protobuf
 * bodies are parsed directly. Thread-safe.
 */
final class OtlpJson {
  private static final Map<String, String> LEGACY_NAMES =
      Map.of(
          "instrumentationLibrarySpans", "scopeSpans",
          "instrumentationLibraryLogs", "scopeLogs",
          "instrumentationLibrary", "scope");

  private final JsonFactory factory;
  // descriptor -> JSON name -> field, filled on first use of each message type (about twenty)
  private final Map<Descriptor, Map<String, FieldDescriptor>> fields = new ConcurrentHashMap<>();

  OtlpJson() {
    this.factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(256)
                    .build())
            .build();
  }

  /**
   * Merges the JSON document in {@code body[0..length)} into {@code builder}.
   *
   * @throws MalformedRequestException naming the JSON path and what was wrong
   */
  void merge(byte[] body, int length, Message.Builder builder) throws MalformedRequestException {
    List<Object> path = new ArrayList<>();
    try (JsonParser p = factory.createParser(body, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedRequestException("the body is not a JSON object");
      }
      readMessage(p, builder, path);
      if (p.nextToken() != null) {
        throw new MalformedRequestException("unexpected content after the JSON object");
      }
    } catch (MalformedRequestException e) {
      throw e;
    } catch (IOException e) {
      String where = path.isEmpty() ? "" : " at " + render(path);
      throw new MalformedRequestException(
          "the body is not valid JSON" + where + ": " + firstLine(e.getMessage()));
    }
  }

  private void readMessage(JsonParser p, Message.Builder b, List<Object> path)
      throws IOException, MalformedRequestException {
    Map<String, FieldDescriptor> byName = fields.computeIfAbsent(b.getDescriptorForType(), d -> index(d));
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      FieldDescriptor f = byName.get(name);
      JsonToken value = p.nextToken();
      if (f == null || value == JsonToken.VALUE_NULL) {
        p.skipChildren(); // unknown fields are ignored, as OTLP requires
        continue;
      }
      path.add(f.getJsonName());
      if (f.isRepeated()) {
        if (value != JsonToken.START_ARRAY) {
          throw bad(path, "expected an array");
        }
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          path.add(i++);
          if (p.currentToken() != JsonToken.VALUE_NULL) {
            b.addRepeatedField(f, readValue(p, b, f, path));
          }
          path.remove(path.size() - 1);
        }
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (value != JsonToken.START_OBJECT) {
          throw bad(path, "expected an object");
        }
        readMessage(p, b.getFieldBuilder(f), path);
      } else {
        b.setField(f, readValue(p, b, f, path));
      }
      path.remove(path.size() - 1);
    }
    if (t != JsonToken.END_OBJECT) {
      throw bad(path, "expected a field name or the end of the object");
    }
  }

  private Object readValue(JsonParser p, Message.Builder parent, FieldDescriptor f, List<Object> path)
      throws IOException, MalformedRequestException {
    JsonToken t = p.currentToken();
    switch (f.getJavaType()) {
      case MESSAGE -> {
        if (t != JsonToken.START_OBJECT) {
          throw bad(path, "expected an object");
        }
        Message.Builder child = parent.newBuilderForField(f);
        readMessage(p, child, path);
        return child.build();
      }
      case STRING -> {
        if (t != JsonToken.VALUE_STRING) {
          throw bad(path, "expected a string");
        }
        return p.getText();
      }
      case BOOLEAN -> {
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
          return t == JsonToken.VALUE_TRUE;
        }
        throw bad(path, "expected true or false");
      }
      case INT -> {
        return (int) integer(p, path, unsigned32(f) ? 0xFFFF_FFFFL : Integer.MAX_VALUE, unsigned32(f));
      }
      case LONG -> {
        return longValue(p, path, unsigned64(f));
      }
      case DOUBLE -> {
        return doubleValue(p, path);
      }
      case FLOAT -> {
        return (float) doubleValue(p, path);
      }
      case BYTE_STRING -> {
        if (t != JsonToken.VALUE_STRING) {
          throw bad(path, "expected a string");
        }
        return isId(f) ? hex(p.getText(), path) : base64(p.getText(), path);
      }
      case ENUM -> {
        if (t == JsonToken.VALUE_NUMBER_INT) {
          return f.getEnumType().findValueByNumberCreatingIfUnknown(p.getIntValue());
        }
        if (t == JsonToken.VALUE_STRING) {
          EnumValueDescriptor v = f.getEnumType().findValueByName(p.getText());
          if (v != null) {
            return v;
          }
        }
        throw bad(path, "expected an enum number, got " + quote(p.getText()));
      }
      default -> throw bad(path, "unsupported field type " + f.getJavaType());
    }
  }

  private static boolean unsigned32(FieldDescriptor f) {
    return f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32;
  }

  private static boolean unsigned64(FieldDescriptor f) {
    return f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64;
  }

  /** A 32-bit integer as a JSON number or decimal string; unsigned values keep their bits. */
  private static long integer(JsonParser p, List<Object> path, long max, boolean unsigned)
      throws IOException, MalformedRequestException {
    long min = unsigned ? 0 : Integer.MIN_VALUE;
    long v;
    if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw bad(path, "integer " + p.getText() + " is out of range");
      }
      v = p.getLongValue();
    } else if (p.currentToken() == JsonToken.VALUE_STRING) {
      try {
        v = Long.parseLong(p.getText().strip());
      } catch (NumberFormatException e) {
        throw bad(path, "expected an integer, got " + quote(p.getText()));
      }
    } else {
      throw bad(path, "expected an integer");
    }
    if (v < min || v > max) {
      throw bad(path, "integer " + v + " is out of range");
    }
    return v;
  }

  /** A 64-bit integer: OTLP/JSON writes them as decimal strings, but numbers are accepted. */
  private static long longValue(JsonParser p, List<Object> path, boolean unsigned)
      throws IOException, MalformedRequestException {
    String text;
    if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
        long v = p.getLongValue();
        if (unsigned && v < 0) {
          throw bad(path, "integer " + v + " must not be negative");
        }
        return v;
      }
      text = p.getText();
    } else if (p.currentToken() == JsonToken.VALUE_STRING) {
      text = p.getText().strip();
    } else {
      throw bad(path, "expected an integer or a decimal string");
    }
    try {
      if (unsigned) {
        BigInteger big = new BigInteger(text);
        if (big.signum() < 0 || big.bitLength() > 64) {
          throw bad(path, "integer " + text + " is out of range");
        }
        return big.longValue();
      }
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw bad(path, "expected an integer, got " + quote(text));
    }
  }

  private static double doubleValue(JsonParser p, List<Object> path)
      throws IOException, MalformedRequestException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      return p.getDoubleValue();
    }
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText().strip();
      return switch (s) {
        case "NaN" -> Double.NaN;
        case "Infinity" -> Double.POSITIVE_INFINITY;
        case "-Infinity" -> Double.NEGATIVE_INFINITY;
        default -> {
          try {
            yield Double.parseDouble(s);
          } catch (NumberFormatException e) {
            throw bad(path, "expected a number, got " + quote(s));
          }
        }
      };
    }
    throw bad(path, "expected a number");
  }

  private static boolean isId(FieldDescriptor f) {
    String n = f.getName();
    return n.equals("trace_id") || n.equals("span_id") || n.equals("parent_span_id");
  }

  /** Ids are hex in OTLP/JSON, case-insensitive; an empty string is an absent id. */
  static ByteString hex(String text, List<Object> path) throws MalformedRequestException {
    int n = text.length();
    if ((n & 1) != 0) {
      throw bad(path, "expected an even number of hex digits, got " + quote(text));
    }
    byte[] out = new byte[n / 2];
    for (int i = 0; i < n; i += 2) {
      int hi = Character.digit(text.charAt(i), 16);
      int lo = Character.digit(text.charAt(i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw bad(path, "expected a hex id, got " + quote(text));
      }
      out[i / 2] = (byte) (hi << 4 | lo);
    }
    return ByteString.copyFrom(out);
  }

  private static ByteString base64(String text, List<Object> path) throws MalformedRequestException {
    try {
      boolean urlSafe = text.indexOf('-') >= 0 || text.indexOf('_') >= 0;
      return ByteString.copyFrom(
          (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(text.strip()));
    } catch (IllegalArgumentException e) {
      throw bad(path, "expected base64, got " + quote(text));
    }
  }

  private static Map<String, FieldDescriptor> index(Descriptor d) {
    Map<String, FieldDescriptor> byName = new HashMap<>();
    for (FieldDescriptor f : d.getFields()) {
      byName.put(f.getJsonName(), f);
    }
    LEGACY_NAMES.forEach(
        (old, current) -> {
          FieldDescriptor f = byName.get(current);
          if (f != null) {
            byName.putIfAbsent(old, f);
          }
        });
    return Map.copyOf(byName);
  }

  private static MalformedRequestException bad(List<Object> path, String why) {
    return new MalformedRequestException(render(path) + ": " + why);
  }

  private static String render(List<Object> path) {
    StringBuilder s = new StringBuilder();
    for (Object segment : path) {
      if (segment instanceof Integer i) {
        s.append('[').append(i).append(']');
      } else {
        if (!s.isEmpty()) {
          s.append('.');
        }
        s.append(segment);
      }
    }
    return s.isEmpty() ? "(root)" : s.toString();
  }

  private static String quote(String s) {
    String shown = s == null ? "null" : s.length() > 60 ? s.substring(0, 60) + "..." : s;
    return "'" + shown + "'";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
