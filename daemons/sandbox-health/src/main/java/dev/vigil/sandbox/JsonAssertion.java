package dev.vigil.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.core.HealthStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An assertion on a JSON document: the value at a dotted path ({@code tests.daytona.ok}, {@code
 * items.0.state}) compared with an operator and a value.
 *
 * @param path dot-separated field names; a numeric segment indexes an array
 * @param op the comparison
 * @param value what to compare with (a string, number, boolean, null, or for {@code max-age} a
 *     {@link Duration}); ignored by {@code exists} and {@code absent}
 * @param onFail the status a failure gives: unhealthy, except {@code max-age} whose default is
 *     degraded (a stale value)
 */
record JsonAssertion(String path, Op op, Object value, HealthStatus onFail) {

  /** The comparisons. */
  enum Op {
    EQ, NE, GT, GE, LT, LE, EXISTS, ABSENT, CONTAINS, MATCHES, MAX_AGE;

    String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Optional<Op> fromWire(String text) {
      for (Op op : values()) {
        if (op.wireName().equals(text)) {
          return Optional.of(op);
        }
      }
      return Optional.empty();
    }
  }

  /** A failed assertion: its status, category and a sentence saying what was found. */
  record Failure(HealthStatus status, String category, String message) {}

  /** Checks {@code document}; {@code now} is what {@code max-age} measures against. */
  Optional<Failure> check(JsonNode document, Instant now) {
    JsonNode node = at(document, path);
    boolean present = node != null && !node.isMissingNode();
    String category = op == Op.MAX_AGE ? Outcome.STALE : Outcome.ASSERTION_FAILED;
    return switch (op) {
      case EXISTS -> present ? pass() : fail(category, path + " is absent");
      case ABSENT -> present ? fail(category, path + " is present") : pass();
      case MAX_AGE -> maxAge(node, now);
      default -> {
        if (!present) {
          yield fail(category, path + " is absent (expected " + op.wireName() + " " + shown() + ")");
        }
        yield compare(node) ? pass() : fail(category, path + " is " + brief(node) + ", expected "
            + op.wireName() + " " + shown());
      }
    };
  }

  /** Checks a plain string (an environment variable's value) with the same operators. */
  boolean checkText(String text) {
    return switch (op) {
      case EXISTS -> text != null;
      case ABSENT -> text == null;
      case EQ -> text != null && text.equals(String.valueOf(value));
      case NE -> text == null || !text.equals(String.valueOf(value));
      case CONTAINS -> text != null && text.contains(String.valueOf(value));
      case MATCHES -> text != null && Pattern.compile(String.valueOf(value)).matcher(text).matches();
      case GT, GE, LT, LE -> {
        try {
          yield text != null && numeric(new BigDecimal(text.strip()));
        } catch (NumberFormatException e) {
          yield false;
        }
      }
      case MAX_AGE -> false;
    };
  }

  private Optional<Failure> maxAge(JsonNode node, Instant now) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return fail(Outcome.STALE, path + " has no timestamp");
    }
    Optional<Instant> at = instant(node);
    if (at.isEmpty()) {
      return Optional.of(
          new Failure(HealthStatus.UNHEALTHY, Outcome.ASSERTION_FAILED,
              path + " is not a timestamp: " + brief(node)));
    }
    Duration age = Duration.between(at.get(), now);
    Duration limit = (Duration) value;
    return age.compareTo(limit) > 0
        ? fail(Outcome.STALE, path + " is " + Durations.text(age) + " old, older than " + Durations.text(limit))
        : pass();
  }

  static Optional<Instant> instant(JsonNode node) {
    if (node.isNumber()) {
      return Optional.of(Instant.ofEpochMilli((long) (node.asDouble() * 1000)));
    }
    String text = node.asText();
    try {
      return Optional.of(OffsetDateTime.parse(text).toInstant());
    } catch (DateTimeParseException e) {
      try {
        return Optional.of(LocalDateTime.parse(text).toInstant(ZoneOffset.UTC));
      } catch (DateTimeParseException again) {
        return Optional.empty();
      }
    }
  }

  private boolean compare(JsonNode node) {
    return switch (op) {
      case EQ -> equalsValue(node);
      case NE -> !equalsValue(node);
      case GT, GE, LT, LE -> node.isNumber() && numeric(node.decimalValue());
      case CONTAINS -> {
        if (node.isArray()) {
          for (JsonNode item : node) {
            if (new JsonAssertion(path, Op.EQ, value, onFail).equalsValue(item)) {
              yield true;
            }
          }
          yield false;
        }
        yield node.isTextual() && node.asText().contains(String.valueOf(value));
      }
      case MATCHES ->
          node.isValueNode() && Pattern.compile(String.valueOf(value)).matcher(node.asText()).matches();
      default -> false;
    };
  }

  private boolean numeric(BigDecimal actual) {
    if (!(value instanceof Number n)) {
      return false;
    }
    int c = actual.compareTo(new BigDecimal(n.toString()));
    return switch (op) {
      case GT -> c > 0;
      case GE -> c >= 0;
      case LT -> c < 0;
      case LE -> c <= 0;
      default -> false;
    };
  }

  private boolean equalsValue(JsonNode node) {
    if (value == null) {
      return node.isNull();
    }
    if (value instanceof Boolean b) {
      return node.isBoolean() && node.booleanValue() == b;
    }
    if (value instanceof Number n) {
      return node.isNumber() && node.decimalValue().compareTo(new BigDecimal(n.toString())) == 0;
    }
    return node.isTextual() && node.asText().equals(value.toString());
  }

  private String shown() {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }

  private static String brief(JsonNode node) {
    String text = node.toString();
    return text.length() > 80 ? text.substring(0, 77) + "..." : text;
  }

  private static Optional<Failure> pass() {
    return Optional.empty();
  }

  private Optional<Failure> fail(String category, String message) {
    return Optional.of(new Failure(onFail, category, message));
  }

  /** The node at a dotted path, or a missing node. */
  static JsonNode at(JsonNode document, String path) {
    JsonNode node = document;
    if (path.isEmpty()) {
      return node;
    }
    for (String segment : path.split("\\.")) {
      if (node == null) {
        return null;
      }
      if (node.isArray() && segment.chars().allMatch(Character::isDigit)) {
        node = node.path(Integer.parseInt(segment));
      } else {
        node = node.path(segment);
      }
    }
    return node;
  }
}
