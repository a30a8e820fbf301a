package dev.vigil.rounds.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.rounds.MutableClock;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Anthropic and OpenAI backends against local servers answering as the reference shows. */
class HttpBackendsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ANSWER =
      "{\\\"root_cause\\\":\\\"OrderService.place is called with an empty cart\\\","
          + "\\\"evidence\\\":[\\\"OrderService.java:42\\\"],\\\"suggested_fix\\\":\\\"validate the cart\\\","
          + "\\\"confidence\\\":\\\"high\\\"}";
  private static final String ANTHROPIC_OK =
      "{\"id\":\"msg_01XbQ7\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
          + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"...\"},{\"type\":\"text\",\"text\":\"" + ANSWER + "\"}],"
          + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
          + "\"usage\":{\"input_tokens\":1200,\"output_tokens\":42,\"cache_creation_input_tokens\":0,"
          + "\"cache_read_input_tokens\":0,\"service_tier\":\"standard\"}}";
  private static final String OVERLOADED =
      "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"req_011\"}";

  private final FakeModelServer server = new FakeModelServer();
  private final List<Duration> slept = new ArrayList<>();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T12:00:00Z"));
  private final PriceTable prices =
      new PriceTable(Map.of(
          "claude-sonnet-4-5", PriceTable.Price.of(new BigDecimal("3"), new BigDecimal("15")),
          "gpt-4.1-mini", new PriceTable.Price(new BigDecimal("0.40"), new BigDecimal("1.60"),
              new BigDecimal("0.40"), new BigDecimal("0.10"))));
  private final HttpModelClient.Retry retry =
      new HttpModelClient.Retry(2, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(10));

  HttpBackendsTest() throws Exception {}

  @AfterEach
  void stop() {
    server.close();
  }

  private AnthropicBackend anthropic(String model) {
    return new AnthropicBackend(
        new AnthropicBackend.Settings(server.url(), "sk-ant-test", model, 1024),
        HttpClient.newHttpClient(), retry, slept::add, prices, new PromptRenderer(32_000), clock);
  }

  private OpenAiBackend openai(String key, String base) {
    return new OpenAiBackend(
        new OpenAiBackend.Settings(java.net.URI.create(server.url() + base), key, "gpt-4.1-mini", 800,
            "max_completion_tokens", true),
        HttpClient.newHttpClient(), retry, slept::add, prices, new PromptRenderer(32_000), clock);
  }

  private static InvestigationContext ctx() {
    return Contexts.context(Path.of("/srv/app"));
  }

  @Test
  void anthropicSendsTheDocumentedRequestAndPricesTheUsage() throws Exception {
    server.answer(200, Map.of("request-id", "req_1"), ANTHROPIC_OK);
    Diagnosis d = anthropic("claude-sonnet-4-5").diagnose(ctx());
    assertThat(d.rootCause()).isEqualTo("OrderService.place is called with an empty cart");
    assertThat(d.model()).isEqualTo("claude-sonnet-4-5");
    // (1200 x 3 + 42 x 15) / 1e6: what Claude Code reports for the same usage
    assertThat(d.costUsd()).hasValueSatisfying(c -> assertThat(c).isEqualByComparingTo("0.00423"));
    FakeModelServer.Request r = server.requests().get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/v1/messages");
    assertThat(r.headers())
        .containsEntry("x-api-key", "sk-ant-test")
        .containsEntry("anthropic-version", "2023-06-01")
        .containsEntry("content-type", "application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("model").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(body.get("max_tokens").asInt()).isEqualTo(1024);
    assertThat(body.get("system").asText()).isEqualTo(PromptRenderer.ANSWER_INSTRUCTIONS);
    assertThat(body.get("messages").size()).isEqualTo(1);
    assertThat(body.at("/messages/0/role").asText()).isEqualTo("user");
    assertThat(body.at("/messages/0/content").asText()).contains("```untrusted-telemetry");
  }

  @Test
  void anthropicCacheTokensArePricedAsDocumented() throws Exception {
    server.answer(200, ANTHROPIC_OK.replace(
        "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0",
        "\"cache_creation_input_tokens\":3000,\"cache_read_input_tokens\":10000,"
            + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":2000,\"ephemeral_1h_input_tokens\":1000}"));
    Diagnosis d = anthropic("claude-sonnet-4-5").diagnose(ctx());
    // 1200x3 + 42x15 + 2000x3.75 + 1000x6 + 10000x0.30 = 20730 per million
    assertThat(d.costUsd()).hasValueSatisfying(c -> assertThat(c).isEqualByComparingTo("0.02073"));
  }

  @Test
  void anthropicRetries429And529HonouringRetryAfter() throws Exception {
    server.answer(429, Map.of("retry-after", "7"),
            "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"}}")
        .answer(529, OVERLOADED)
        .answer(200, ANTHROPIC_OK);
    Diagnosis d = anthropic("claude-sonnet-4-5").diagnose(ctx());
    assertThat(d.confidence()).isEqualTo(Confidence.HIGH);
    assertThat(slept).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(2));
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void anthropicOverloadedAfterTheRetriesIsRateLimited() {
    server.answer(529, Map.of("request-id", "req_011"), OVERLOADED).answer(529, OVERLOADED).answer(529, OVERLOADED);
    assertThatThrownBy(() -> anthropic("claude-sonnet-4-5").diagnose(ctx()))
        .isInstanceOfSatisfying(DiagnosisException.class, e -> {
          assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.RATE_LIMITED);
          assertThat(e.getMessage()).isEqualTo("Anthropic API answered 529 overloaded_error: Overloaded (after 3 attempts)");
        });
    assertThat(slept).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  @Test
  void anthropic4xxFailsAtOnce() {
    server.answer(401, Map.of("request-id", "req_9"),
        "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"},\"request_id\":\"req_9\"}");
    assertThatThrownBy(() -> anthropic("claude-sonnet-4-5").diagnose(ctx()))
        .isInstanceOfSatisfying(DiagnosisException.class, e -> {
          assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.REJECTED);
          assertThat(e.getMessage())
              .isEqualTo("Anthropic API answered 401 authentication_error: invalid x-api-key (request-id req_9)")
              .doesNotContain("sk-ant-test");
        });
    server.answer(429,
        "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"spend limit\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}");
    assertThatThrownBy(() -> anthropic("claude-sonnet-4-5").diagnose(ctx()))
        .isInstanceOfSatisfying(DiagnosisException.class,
            e -> assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.REJECTED));
    assertThat(slept).isEmpty();
  }

  @Test
  void anthropicMalformedAnswersAreClearFailuresCarryingTheCost() {
    server.answer(200, ANTHROPIC_OK.replace(ANSWER, "The cart is empty, probably.").replace("end_turn", "max_tokens"));
    assertThatThrownBy(() -> anthropic("claude-sonnet-4-5").diagnose(ctx()))
        .isInstanceOfSatisfying(DiagnosisException.class, e -> {
          assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.MALFORMED_ANSWER);
          assertThat(e.getMessage()).isEqualTo("the Anthropic answer is not a valid diagnosis (cut at max_tokens 1024):"
              + " no JSON object in the answer: \"The cart is empty, probably.\"");
          assertThat(e.costUsd()).hasValueSatisfying(c -> assertThat(c).isEqualByComparingTo("0.00423"));
        });
    server.answer(200, "<html>gateway</html>");
    assertThatThrownBy(() -> anthropic("claude-sonnet-4-5").diagnose(ctx()))
        .hasMessage("Anthropic API answered 200 with a body that is not JSON: \"<html>gateway</html>\"");
  }

  @Test
  void anUnpricedModelsCostIsUnknown() throws Exception {
    server.answer(200, ANTHROPIC_OK.replace("\"model\":\"claude-sonnet-4-5\"", "\"model\":\"claude-opus-9\""));
    Diagnosis d = anthropic("claude-opus-9").diagnose(ctx());
    assertThat(d.model()).isEqualTo("claude-opus-9");
    assertThat(d.costUsd()).isEmpty();
  }

  private static String openAiOk(String usage) {
    return "{\"id\":\"chatcmpl-9f2\",\"object\":\"chat.completion\",\"created\":1773480420,"
        + "\"model\":\"gpt-4.1-mini-2025-04-14\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
        + "\"message\":{\"role\":\"assistant\",\"content\":\"" + ANSWER + "\",\"refusal\":null}}]"
        + usage + "}";
  }

  @Test
  void openAiSendsTheDocumentedRequestAndPricesTheUsage() throws Exception {
    server.answer(200, openAiOk(",\"usage\":{\"prompt_tokens\":310,\"completion_tokens\":24,\"total_tokens\":334,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":100},\"completion_tokens_details\":{\"reasoning_tokens\":0}}"));
    Diagnosis d = openai("sk-test", "").diagnose(ctx());
    assertThat(d.model()).isEqualTo("gpt-4.1-mini-2025-04-14");
    // (210 x 0.40 + 100 x 0.10 + 24 x 1.60) / 1e6, priced as gpt-4.1-mini by prefix
    assertThat(d.costUsd()).hasValueSatisfying(c -> assertThat(c).isEqualByComparingTo("0.0001324"));
    FakeModelServer.Request r = server.requests().get(0);
    assertThat(r.path()).isEqualTo("/v1/chat/completions");
    assertThat(r.headers()).containsEntry("authorization", "Bearer sk-test").containsEntry("content-type", "application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.at("/messages/0/role").asText()).isEqualTo("system");
    assertThat(body.at("/messages/1/role").asText()).isEqualTo("user");
    assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(800);
    assertThat(body.at("/response_format/type").asText()).isEqualTo("json_object");
  }

  @Test
  void openAiCompatibleServersWithoutKeyOrUsage() throws Exception {
    server.answer(200, openAiOk(""));
    Diagnosis d = openai("", "/v1/").diagnose(ctx());
    assertThat(d.costUsd()).isEmpty();
    assertThat(server.requests().get(0).path()).isEqualTo("/v1/chat/completions");
    assertThat(server.requests().get(0).headers()).doesNotContainKey("authorization");
  }

  @Test
  void openAiRetriesServerErrorsButNotAnExhaustedQuota() throws Exception {
    server.answer(500, Map.of("retry-after-ms", "250"), "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}")
        .answer(200, openAiOk(""));
    openai("k", "").diagnose(ctx());
    assertThat(slept).containsExactly(Duration.ofMillis(250));
    server.answer(429, "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}");
    assertThatThrownBy(() -> openai("k", "").diagnose(ctx()))
        .isInstanceOfSatisfying(DiagnosisException.class, e -> {
          assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.REJECTED);
          assertThat(e.getMessage()).isEqualTo("OpenAI-compatible API answered 429 insufficient_quota (insufficient_quota):"
              + " You exceeded your current quota");
        });
    assertThat(slept).hasSize(1);
  }

  @Test
  void openAiRefusalsAndMalformedAnswers() {
    server.answer(200, "{\"model\":\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
        + "\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I can't help with that.\"}}]}");
    assertThatThrownBy(() -> openai("k", "").diagnose(ctx()))
        .isInstanceOfSatisfying(DiagnosisException.class, e -> {
          assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.MALFORMED_ANSWER);
          assertThat(e.getMessage()).isEqualTo("the model refused: I can't help with that.");
        });
    server.answer(200, openAiOk("").replace(ANSWER, "{\\\"rootCause\\\":\\\"x\\\"}").replace("\"stop\"", "\"length\""));
    assertThatThrownBy(() -> openai("k", "").diagnose(ctx()))
        .hasMessage("the OpenAI-compatible answer is not a valid diagnosis (cut at the token limit 800):"
            + " the answer has no \"suggested_fix\"");
  }

  @Test
  void anUnreachableServerIsRetriedThenUnavailable() {
    server.close();
    assertThatThrownBy(() -> openai("k", "").diagnose(ctx()))
        .isInstanceOfSatisfying(DiagnosisException.class, e -> {
          assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.UNAVAILABLE);
          assertThat(e.getMessage()).startsWith("OpenAI-compatible API unreachable at http://127.0.0.1:")
              .endsWith("(after 3 attempts)");
        });
    assertThat(slept).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  @Test
  void priceLookupTakesTheLongestPrefix() {
    PriceTable t = new PriceTable(Map.of(
        "gpt-4.1", PriceTable.Price.of(BigDecimal.TEN, BigDecimal.TEN),
        "gpt-4.1-mini", PriceTable.Price.of(BigDecimal.ONE, BigDecimal.ONE)));
    assertThat(t.lookup("gpt-4.1-mini-2025-04-14").get().input()).isEqualByComparingTo("1");
    assertThat(t.lookup("gpt-4.1-2025-04-14").get().input()).isEqualByComparingTo("10");
    assertThat(t.lookup("gpt-5")).isEmpty();
  }
}
