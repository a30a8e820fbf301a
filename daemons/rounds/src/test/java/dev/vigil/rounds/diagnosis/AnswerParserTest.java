package dev.vigil.rounds.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AnswerParserTest {
  private final AnswerParser parser = new AnswerParser();

  @Test
  void bareObject() throws Exception {
    Answer a =
        parser.parse(
            "{\"root_cause\":\"empty cart\",\"evidence\":[\"a\",\"b\"],"
                + "\"suggested_fix\":\"validate\",\"confidence\":\"high\"}");
    assertThat(a).isEqualTo(new Answer("empty cart", java.util.List.of("a", "b"), "validate", Confidence.HIGH));
  }

  @Test
  void camelCaseKeysInAFencedBlockInsideProseWithUnknownKeysIgnored() throws Exception {
    Answer a =
        parser.parse(
            "Here is what I found.\n\n```json\n{\"rootCause\":\"x\",\"evidence\":[],"
                + "\"suggestedFix\":\"y\",\"confidence\":\"LOW\",\"extra\":{\"k\":1}}\n```\nBye.");
    assertThat(a.rootCause()).isEqualTo("x");
    assertThat(a.evidence()).isEmpty();
    assertThat(a.confidence()).isEqualTo(Confidence.LOW);
  }

  @Test
  void objectInProseWithoutFenceAndBracesInStrings() throws Exception {
    Answer a =
        parser.parse(
            "I think { this } matters. Final answer: {\"root_cause\":\"map {a} is empty }\","
                + "\"evidence\":[\"x\"],\"suggested_fix\":\"fill it\",\"confidence\":\"medium\"} done");
    assertThat(a.rootCause()).isEqualTo("map {a} is empty }");
    assertThat(a.confidence()).isEqualTo(Confidence.MEDIUM);
  }

  @Test
  void theLastValidObjectWins() throws Exception {
    Answer a =
        parser.parse(
            "For example {\"root_cause\":\"first\",\"evidence\":[],\"suggested_fix\":\"f\","
                + "\"confidence\":\"low\"} but really {\"root_cause\":\"second\",\"evidence\":[],"
                + "\"suggested_fix\":\"f\",\"confidence\":\"high\"}");
    assertThat(a.rootCause()).isEqualTo("second");
  }

  @Test
  void failuresSayWhatIsWrong() {
    assertThatThrownBy(() -> parser.parse("  "))
        .isInstanceOf(AnswerParser.MalformedAnswerException.class)
        .hasMessage("the answer is empty");
    assertThatThrownBy(() -> parser.parse("I could not find the cause."))
        .hasMessageContaining("no JSON object in the answer: \"I could not find the cause.\"");
    assertThatThrownBy(() -> parser.parse("{\"evidence\":[],\"suggested_fix\":\"f\",\"confidence\":\"high\"}"))
        .hasMessage("the answer has no \"root_cause\"");
    assertThatThrownBy(
            () ->
                parser.parse(
                    "{\"root_cause\":\"r\",\"evidence\":\"one\",\"suggested_fix\":\"f\",\"confidence\":\"high\"}"))
        .hasMessageContaining("\"evidence\" must be a list of strings");
    assertThatThrownBy(
            () ->
                parser.parse(
                    "{\"root_cause\":\"r\",\"evidence\":[1],\"suggested_fix\":\"f\",\"confidence\":\"high\"}"))
        .hasMessageContaining("\"evidence\" must be a list of strings, but holds NUMBER");
    assertThatThrownBy(
            () ->
                parser.parse(
                    "{\"root_cause\":\"r\",\"evidence\":[],\"suggested_fix\":\"f\",\"confidence\":\"sure\"}"))
        .hasMessage("confidence must be high, medium or low, but is \"sure\"");
    assertThatThrownBy(
            () ->
                parser.parse(
                    "{\"root_cause\":\" \",\"evidence\":[],\"suggested_fix\":\"f\",\"confidence\":\"low\"}"))
        .hasMessage("\"root_cause\" must be a non-blank string");
    assertThatThrownBy(() -> parser.parse("[{\"root_cause\":\"r\"}]"))
        .hasMessage("the answer has no \"suggested_fix\"");
  }

  @Test
  void longFieldsAreCut() throws Exception {
    String huge = "x".repeat(AnswerParser.MAX_FIELD_CHARS + 100);
    StringBuilder ev = new StringBuilder("[");
    for (int i = 0; i < 100; i++) {
      ev.append(i == 0 ? "" : ",").append("\"e").append(i).append('"');
    }
    ev.append(']');
    Answer a =
        parser.parse(
            "{\"root_cause\":\"" + huge + "\",\"evidence\":" + ev
                + ",\"suggested_fix\":\"f\",\"confidence\":\"low\"}");
    assertThat(a.rootCause()).hasSize(AnswerParser.MAX_FIELD_CHARS + " [cut]".length());
    assertThat(a.evidence()).hasSize(AnswerParser.MAX_EVIDENCE);
  }
}
