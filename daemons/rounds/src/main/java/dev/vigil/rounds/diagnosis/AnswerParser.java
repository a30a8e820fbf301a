package dev.vigil.rounds.diagnosis;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds and validates the answer object in a model's text.
 *
 * <p>The object is accepted bare, inside a fenced {@code json} block or inside prose; keys may be
 * snake_case ({@code root_cause}) or camelCase ({@code rootCause}); unknown keys are ignored.
 * When the text holds several candidate objects, the last valid one wins (models put their final
 * answer last). Texts are capped so a runaway answer cannot flood a notification.
 */
public final class AnswerParser {

  /** Longest kept text of one field; longer ones are cut. */
  static final int MAX_FIELD_CHARS = 8_000;

  /** Most evidence items kept. */
  static final int MAX_EVIDENCE = 40;

  private static final Pattern FENCED =
      Pattern.compile("```(?:json|JSON)?[ \\t]*\\r?\\n(.*?)\\r?\\n?```", Pattern.DOTALL);

  private final ObjectMapper json;

  /** A parser using the given mapper (only read from). */
  public AnswerParser(ObjectMapper json) {
    this.json = json;
  }

  /** A parser with a plain mapper. */
  public AnswerParser() {
    this(new ObjectMapper());
  }

  /**
   * Extracts and validates the answer.
   *
   * @throws MalformedAnswerException saying what was wrong: no JSON object found, or the last
   *     object that looked like an answer and why it is not valid
   */
  public Answer parse(String text) throws MalformedAnswerException {
    if (text == null || text.isBlank()) {
      throw new MalformedAnswerException("the answer is empty");
    }
    List<ObjectNode> candidates = new ArrayList<>();
    ObjectNode whole = tryObject(text.strip());
    if (whole != null) {
      candidates.add(whole);
    } else {
      Matcher m = FENCED.matcher(text);
      while (m.find()) {
        ObjectNode node = tryObject(m.group(1).strip());
        if (node != null) {
          candidates.add(node);
        }
      }
      if (candidates.isEmpty()) {
        candidates.addAll(embeddedObjects(text));
      }
    }
    if (candidates.isEmpty()) {
      throw new MalformedAnswerException(
          "no JSON object in the answer: \"" + excerpt(text) + "\"");
    }
    MalformedAnswerException last = null;
    for (int i = candidates.size() - 1; i >= 0; i--) {
      try {
        return validate(candidates.get(i));
      } catch (MalformedAnswerException e) {
        if (last == null) {
          last = e;
        }
      }
    }
    throw last;
  }

  private Answer validate(ObjectNode node) throws MalformedAnswerException {
    String rootCause = text(node, "root_cause", "rootCause");
    String fix = text(node, "suggested_fix", "suggestedFix");
    String confidenceText = text(node, "confidence", "confidence");
    JsonNode evidenceNode = field(node, "evidence", "evidence");
    if (evidenceNode == null || evidenceNode.isNull()) {
      throw new MalformedAnswerException("the answer has no \"evidence\" list");
    }
    if (!evidenceNode.isArray()) {
      throw new MalformedAnswerException(
          "\"evidence\" must be a list of strings, but is " + evidenceNode.getNodeType());
    }
    List<String> evidence = new ArrayList<>();
    for (JsonNode item : evidenceNode) {
      if (!item.isTextual()) {
        throw new MalformedAnswerException(
            "\"evidence\" must be a list of strings, but holds " + item.getNodeType());
      }
      if (!item.asText().isBlank() && evidence.size() < MAX_EVIDENCE) {
        evidence.add(cap(item.asText().strip()));
      }
    }
    Confidence confidence;
    try {
      confidence = Confidence.parse(confidenceText);
    } catch (IllegalArgumentException e) {
      throw new MalformedAnswerException(e.getMessage());
    }
    return new Answer(cap(rootCause.strip()), evidence, cap(fix.strip()), confidence);
  }

  private static String text(ObjectNode node, String snake, String camel)
      throws MalformedAnswerException {
    JsonNode v = field(node, snake, camel);
    if (v == null || v.isNull()) {
      throw new MalformedAnswerException("the answer has no \"" + snake + "\"");
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new MalformedAnswerException("\"" + snake + "\" must be a non-blank string");
    }
    return v.asText();
  }

  private static JsonNode field(ObjectNode node, String snake, String camel) {
    JsonNode v = node.get(snake);
    return v != null ? v : node.get(camel);
  }

  private ObjectNode tryObject(String candidate) {
    if (!candidate.startsWith("{")) {
      return null;
    }
    try {
      JsonNode node = json.readTree(candidate);
      return node instanceof ObjectNode o ? o : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /**
   * The JSON objects embedded in prose: from each '{' not inside an object already found, one
   * JSON value is read and the rest of the text ignored.
   */
  List<ObjectNode> embeddedObjects(String text) {
    List<ObjectNode> out = new ArrayList<>();
    int from = 0;
    while (true) {
      int i = text.indexOf('{', from);
      if (i < 0) {
        return out;
      }
      from = i + 1;
      try (JsonParser p = json.getFactory().createParser(text.substring(i))) {
        JsonNode node = json.readTree(p);
        if (node instanceof ObjectNode o) {
          out.add(o);
          from = i + (int) p.currentLocation().getCharOffset();
        }
      } catch (IOException e) {
        // not an object starting here: try the next brace
      }
    }
  }

  private static String cap(String s) {
    return s.length() <= MAX_FIELD_CHARS ? s : s.substring(0, MAX_FIELD_CHARS) + " [cut]";
  }

  static String excerpt(String text) {
    String flat = text.strip().replaceAll("\\s+", " ");
    return flat.length() <= 200 ? flat : flat.substring(0, 200) + "...";
  }

  /** The text holds no valid answer; the message says why. */
  public static final class MalformedAnswerException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedAnswerException(String message) {
      super(message);
    }
  }
}
