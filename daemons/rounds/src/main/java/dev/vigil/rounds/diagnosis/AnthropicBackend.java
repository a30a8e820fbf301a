package dev.vigil.rounds.diagnosis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Diagnoses with the Anthropic Messages API ({@code POST {base}/v1/messages}, {@code x-api-key},
 * {@code anthropic-version: 2023-06-01}): the answer schema as system prompt, the rendered
 * context as the user turn; the text blocks of the answer concatenated and parsed; the cost
 * computed from the reported usage and the price table.
 */
public final class AnthropicBackend implements DiagnosisBackend {

  /** The API version sent (the one the reference confirms). */
  static final String API_VERSION = "2023-06-01";

  /**
   * How to call the API.
   *
   * @param baseUrl the API root, {@code https://api.anthropic.com} by default
   * @param apiKey the key, sent as {@code x-api-key}
   * @param model the model id
   * @param maxTokens the answer's token limit
   */
  public record Settings(URI baseUrl, String apiKey, String model, int maxTokens) {
    /** Checks the parts. */
    public Settings {
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(apiKey, "apiKey");
      Objects.requireNonNull(model, "model");
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

  AnthropicBackend(
      Settings settings, HttpClient http, HttpModelClient.Retry retry, HttpModelClient.Sleeper sleeper,
      PriceTable prices, PromptRenderer prompts, Clock clock) {
    this.settings = settings;
    this.client =
        new HttpModelClient("Anthropic API", http, retry, sleeper, json,
            body -> body.path("error").path("details").path("error_code").asText("")
                .equals("enforced_spend_limit_reached"));
    this.prices = prices;
    this.prompts = prompts;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "anthropic";
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
    req.put("max_tokens", settings.maxTokens());
    req.put("system", PromptRenderer.ANSWER_INSTRUCTIONS);
    req.put("temperature", 0);
    req.putArray("messages").addObject().put("role", "user").put("content", prompts.render(context));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-api-key", settings.apiKey());
    headers.put("anthropic-version", API_VERSION);
    JsonNode resp = client.post(url(settings.baseUrl(), "/v1/messages"), headers, req);
    String model = resp.path("model").asText(settings.model());
    Optional<java.math.BigDecimal> cost = cost(resp.path("usage"), model);
    StringBuilder text = new StringBuilder();
    for (JsonNode block : resp.path("content")) {
      if (block.path("type").asText().equals("text")) {
        text.append(block.path("text").asText());
      }
    }
    String stop = resp.path("stop_reason").asText("");
    if (stop.equals("refusal")) {
      throw new DiagnosisException(DiagnosisException.Kind.MODEL_ERROR,
          "the model refused to answer (stop_reason refusal)", cost.orElse(null), null, null);
    }
    try {
      return Diagnosis.of(parser.parse(text.toString()), model, cost,
          Duration.between(start, clock.instant()));
    } catch (AnswerParser.MalformedAnswerException e) {
      throw new DiagnosisException(DiagnosisException.Kind.MALFORMED_ANSWER,
          "the Anthropic answer is not a valid diagnosis"
              + (stop.equals("max_tokens") ? " (cut at max_tokens " + settings.maxTokens() + ")" : "")
              + ": " + e.getMessage(), cost.orElse(null), null, e);
    }
  }

  private Optional<java.math.BigDecimal> cost(JsonNode usage, String model) {
    if (!usage.isObject()) {
      return Optional.empty();
    }
    long cacheWrite = usage.path("cache_creation_input_tokens").asLong(0);
    long write1h = usage.path("cache_creation").path("ephemeral_1h_input_tokens").asLong(0);
    long write5m = usage.path("cache_creation").has("ephemeral_5m_input_tokens")
        ? usage.path("cache_creation").path("ephemeral_5m_input_tokens").asLong(0)
        : cacheWrite - write1h;
    return prices.lookup(model).or(() -> prices.lookup(settings.model()))
        .map(p -> p.cost(usage.path("input_tokens").asLong(0), usage.path("output_tokens").asLong(0),
            write5m, write1h, usage.path("cache_read_input_tokens").asLong(0)));
  }

  /** {@code base} + {@code path}, without doubling a {@code /v1} the base already ends with. */
  static URI url(URI base, String path) {
    String b = base.toString().replaceAll("/+$", "");
    if (b.endsWith("/v1") && path.startsWith("/v1/")) {
      path = path.substring(3);
    }
    return URI.create(b + path);
  }
}
