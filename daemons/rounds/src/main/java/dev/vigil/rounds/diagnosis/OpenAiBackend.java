package dev.vigil.rounds.diagnosis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Diagnoses with an OpenAI-compatible Chat Completions API ({@code POST {base}/v1/chat/completions},
 * bearer key), so local compatible servers work too: the answer schema as system message, the
 * context as user message; the cost from the reported usage (optional on compatible servers: no
 * usage, unknown cost) and the price table.
 */
public final class OpenAiBackend implements DiagnosisBackend {

  /**
   * How to call the API.
   *
   * @param baseUrl the API root ({@code https://api.openai.com}; a base ending in {@code /v1} is
   *     accepted too)
   * @param apiKey the key, sent as a bearer token; empty sends no Authorization header (local
   *     servers)
   * @param model the model id
   * @param maxTokens the answer's token limit
   * @param maxTokensParameter {@code max_completion_tokens} (OpenAI) or {@code max_tokens} (what
   *     many compatible servers know)
   * @param jsonMode send {@code response_format: {"type":"json_object"}}
   */
  public record Settings(
      URI baseUrl, String apiKey, String model, int maxTokens, String maxTokensParameter,
      boolean jsonMode) {
    /** Checks the parts. */
    public Settings {
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(apiKey, "apiKey");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(maxTokensParameter, "maxTokensParameter");
    }

    @Override
    public String toString() {
      return "Settings[baseUrl=" + baseUrl + ", apiKey=<redacted>, model=" + model + "]";
    }
  }

  private final Settings settings;
  private final HttpModelClient client;
  private final PriceTable prices;
  private final PromptRenderer prompts;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();
  private final AnswerParser parser = new AnswerParser(json);

  OpenAiBackend(
      Settings settings, HttpClient http, HttpModelClient.Retry retry, HttpModelClient.Sleeper sleeper,
      PriceTable prices, PromptRenderer prompts, Clock clock) {
    this.settings = settings;
    this.client =
        new HttpModelClient("OpenAI-compatible API", http, retry, sleeper, json,
            body -> body.path("error").path("code").asText("").equals("insufficient_quota"));
    this.prices = prices;
    this.prompts = prompts;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "openai";
  }

  @Override
  public boolean callsModel() {
    return true;
  }

  @Override
  public Diagnosis diagnose(InvestigationContext context)
      throws DiagnosisException, InterruptedException {
    Instant start = clock.instant();
    ObjectNode req = json.createObjectNode();
    req.put("model", settings.model());
    ArrayNode messages = req.putArray("messages");
    messages.addObject().put("role", "system").put("content", PromptRenderer.ANSWER_INSTRUCTIONS);
    messages.addObject().put("role", "user").put("content", prompts.render(context));
    req.put(settings.maxTokensParameter(), settings.maxTokens());
    req.put("temperature", 0);
    if (settings.jsonMode()) {
      req.putObject("response_format").put("type", "json_object");
    }
    Map<String, String> headers = new HashMap<>();
    if (!settings.apiKey().isEmpty()) {
      headers.put("Authorization", "Bearer " + settings.apiKey());
    }
    JsonNode resp = client.post(AnthropicBackend.url(settings.baseUrl(), "/v1/chat/completions"), headers, req);
    String model = resp.path("model").asText(settings.model());
    Optional<BigDecimal> cost = cost(resp.path("usage"), model);
    JsonNode choice = resp.path("choices").path(0);
    JsonNode message = choice.path("message");
    String finish = choice.path("finish_reason").asText("");
    if (!message.path("content").isTextual()) {
      String why = message.hasNonNull("refusal") ? "the model refused: " + message.get("refusal").asText()
          : "the answer has no message content (finish_reason " + (finish.isEmpty() ? "missing" : finish) + ")";
      throw new DiagnosisException(DiagnosisException.Kind.MALFORMED_ANSWER, why, cost.orElse(null), null, null);
    }
    try {
      return Diagnosis.of(parser.parse(message.get("content").asText()), model, cost,
          Duration.between(start, clock.instant()));
    } catch (AnswerParser.MalformedAnswerException e) {
      throw new DiagnosisException(DiagnosisException.Kind.MALFORMED_ANSWER,
          "the OpenAI-compatible answer is not a valid diagnosis"
              + (finish.equals("length") ? " (cut at the token limit " + settings.maxTokens() + ")" : "")
              + ": " + e.getMessage(), cost.orElse(null), null, e);
    }
  }

  private Optional<BigDecimal> cost(JsonNode usage, String model) {
    if (!usage.isObject() || !usage.has("prompt_tokens")) {
      return Optional.empty();
    }
    long prompt = usage.path("prompt_tokens").asLong(0);
    long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    long completion = usage.path("completion_tokens").asLong(0);
    return prices.lookup(model).or(() -> prices.lookup(settings.model()))
        .map(p -> p.cost(prompt - cached, completion, 0, 0, cached));
  }
}
