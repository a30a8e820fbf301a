package dev.vigil.rounds.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.rounds.diagnosis.Confidence;
import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import dev.vigil.rounds.notify.Notification;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link Notification} as the queue's {@code payload} column holds it: JSON with a {@code
 * version}, written field by field so that it round-trips exactly (instants and durations as ISO
 * text with their nanoseconds, the cost as decimal text with its scale) and never depends on how
 * Jackson would map a record. Reading is strict: a missing field, an unknown kind or a newer
 * version is an {@link UnreadableException} naming it, never a half-read notification.
 *
 * <pre>{"version":1,"kind":"diagnosed","signature":{...},"diagnosis":{...}}</pre>
 */
final class NotificationCodec {
  /** The payload version this code writes and reads. */
  static final int VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  private NotificationCodec() {}

  /** A payload this version cannot read. */
  static final class UnreadableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnreadableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static String write(Notification n) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", VERSION);
    root.put("kind", n.kind());
    root.set("signature", signature(n.signature()));
    switch (n) {
      case Notification.Diagnosed d -> root.set("diagnosis", diagnosis(d.diagnosis()));
      case Notification.Recurred r -> root.put("notified_count", r.notifiedCount());
      case Notification.Resolved r -> root.put("fix", r.fix());
      case Notification.Regressed r -> { }
    }
    return root.toString();
  }

  static Notification read(String payload) throws UnreadableException {
    JsonNode root;
    try {
      root = JSON.readTree(payload);
    } catch (IOException e) {
      throw new UnreadableException("the payload is not JSON: " + e.getMessage(), e);
    }
    try {
      int version = integer(root, "version");
      if (version != VERSION) {
        throw new UnreadableException("payload version " + version
            + (version > VERSION ? " is newer than" : " is not") + " the version " + VERSION
            + " this vigil reads", null);
      }
      String kind = text(root, "kind");
      if (!List.of("diagnosed", "recurred", "resolved", "regressed").contains(kind)) {
        throw new UnreadableException("unknown notification kind \"" + kind
            + "\" (this vigil knows diagnosed, recurred, resolved, regressed)", null);
      }
      SignatureFacts s = signature(object(root, "signature"));
      return switch (kind) {
        case "diagnosed" -> new Notification.Diagnosed(s, diagnosis(object(root, "diagnosis")));
        case "recurred" -> new Notification.Recurred(s, number(root, "notified_count"));
        case "resolved" -> new Notification.Resolved(s, text(root, "fix"));
        case "regressed" -> new Notification.Regressed(s);
        default -> throw new IllegalStateException("kind " + kind);
      };
    } catch (DateTimeParseException | ArithmeticException | IllegalArgumentException
        | NullPointerException e) {
      throw new UnreadableException("the payload has a bad value: " + e.getMessage(), e);
    }
  }

  private static ObjectNode signature(SignatureFacts s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", s.id());
    o.put("fingerprint", s.fingerprint());
    o.put("service", s.service());
    o.put("error_type", s.errorType());
    o.put("message_template", s.messageTemplate());
    s.frames().forEach(o.putArray("frames")::add);
    o.put("occurrence_count", s.occurrenceCount());
    o.put("first_seen", s.firstSeen().toString());
    o.put("last_seen", s.lastSeen().toString());
    return o;
  }

  private static SignatureFacts signature(JsonNode o) throws UnreadableException {
    return new SignatureFacts(
        number(o, "id"), text(o, "fingerprint"), text(o, "service"), text(o, "error_type"),
        text(o, "message_template"), texts(o, "frames"), number(o, "occurrence_count"),
        Instant.parse(text(o, "first_seen")), Instant.parse(text(o, "last_seen")));
  }

  private static ObjectNode diagnosis(Diagnosis d) {
    ObjectNode o = JSON.createObjectNode();
    o.put("root_cause", d.rootCause());
    d.evidence().forEach(o.putArray("evidence")::add);
    o.put("suggested_fix", d.suggestedFix());
    o.put("confidence", d.confidence().wireName());
    o.put("model", d.model());
    if (d.costUsd().isPresent()) {
      o.put("cost_usd", d.costUsd().get().toString());
    } else {
      o.putNull("cost_usd");
    }
    o.put("duration", d.duration().toString());
    return o;
  }

  private static Diagnosis diagnosis(JsonNode o) throws UnreadableException {
    JsonNode cost = field(o, "cost_usd");
    return new Diagnosis(
        text(o, "root_cause"), texts(o, "evidence"), text(o, "suggested_fix"),
        Confidence.parse(text(o, "confidence")), text(o, "model"),
        cost.isNull() ? Optional.empty() : Optional.of(new BigDecimal(cost.asText())),
        Duration.parse(text(o, "duration")));
  }

  private static JsonNode field(JsonNode o, String name) throws UnreadableException {
    JsonNode v = o.get(name);
    if (v == null) {
      throw new UnreadableException("the payload lacks \"" + name + "\"", null);
    }
    return v;
  }

  private static JsonNode object(JsonNode o, String name) throws UnreadableException {
    JsonNode v = field(o, name);
    if (!v.isObject()) {
      throw new UnreadableException("\"" + name + "\" is not an object", null);
    }
    return v;
  }

  private static String text(JsonNode o, String name) throws UnreadableException {
    JsonNode v = field(o, name);
    if (!v.isTextual()) {
      throw new UnreadableException("\"" + name + "\" is not text", null);
    }
    return v.asText();
  }

  private static long number(JsonNode o, String name) throws UnreadableException {
    JsonNode v = field(o, name);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new UnreadableException("\"" + name + "\" is not a whole number", null);
    }
    return v.asLong();
  }

  private static int integer(JsonNode o, String name) throws UnreadableException {
    long v = number(o, name);
    if (v != (int) v) {
      throw new UnreadableException("\"" + name + "\" is out of range: " + v, null);
    }
    return (int) v;
  }

  private static List<String> texts(JsonNode o, String name) throws UnreadableException {
    JsonNode v = field(o, name);
    if (!v.isArray()) {
      throw new UnreadableException("\"" + name + "\" is not a list", null);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        throw new UnreadableException("\"" + name + "\" holds something that is not text", null);
      }
      out.add(item.asText());
    }
    return out;
  }
}
