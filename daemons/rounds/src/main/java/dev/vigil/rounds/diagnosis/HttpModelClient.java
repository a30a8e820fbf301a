package dev.vigil.rounds.diagnosis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * POSTs JSON to a model API with the retry rules both APIs document: 408, 409, 429, 5xx and 529
 * (and transport failures) are retried with exponential backoff, waiting {@code retry-after-ms}
 * or {@code retry-after} when the server says (capped); {@code x-should-retry} overrides; a 429
 * that means an exhausted quota is not retried. Other statuses fail at once.
 */
final class HttpModelClient {

  /** How the caller waits between attempts (tests record the delays instead of waiting). */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /**
   * Retry settings.
   *
   * @param maxRetries retries after the first attempt
   * @param backoffBase the first delay, doubled per retry
   * @param maxWait the longest single wait, whatever the server asks
   * @param timeout per request
   */
  record Retry(int maxRetries, Duration backoffBase, Duration maxWait, Duration timeout) {}

  private final String api;
  private final HttpClient http;
  private final Retry retry;
  private final Sleeper sleeper;
  private final ObjectMapper json;
  // a 429 whose body says this is not transient (exhausted quota or spend limit)
  private final Function<JsonNode, Boolean> permanent429;

  HttpModelClient(
      String api, HttpClient http, Retry retry, Sleeper sleeper, ObjectMapper json,
      Function<JsonNode, Boolean> permanent429) {
    this.api = api;
    this.http = http;
    this.retry = retry;
    this.sleeper = sleeper;
    this.json = json;
    this.permanent429 = permanent429;
  }

  /** The parsed 2xx answer, or a failure naming the API, the status and the server's message. */
  JsonNode post(URI url, Map<String, String> headers, JsonNode body)
      throws DiagnosisException, InterruptedException {
    DiagnosisException last = null;
    Duration serverWait = null; // what the last answer asked for, if anything
    for (int attempt = 0; attempt <= retry.maxRetries(); attempt++) {
      if (attempt > 0) {
        Duration d = serverWait != null ? serverWait : backoff(attempt);
        sleeper.sleep(d.compareTo(retry.maxWait()) > 0 ? retry.maxWait() : d);
      }
      serverWait = null;
      HttpRequest.Builder b =
          HttpRequest.newBuilder(url)
              .timeout(retry.timeout())
              .header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
      headers.forEach(b::header);
      HttpResponse<String> resp;
      try {
        resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      } catch (HttpTimeoutException e) {
        last = new DiagnosisException(DiagnosisException.Kind.TIMEOUT,
            api + " did not answer within " + retry.timeout().toSeconds() + " s", null, null, e);
        continue;
      } catch (IOException e) {
        last = new DiagnosisException(DiagnosisException.Kind.UNAVAILABLE,
            api + " unreachable at " + url.getScheme() + "://" + url.getAuthority() + ": " + e, null, null, e);
        continue;
      }
      int status = resp.statusCode();
      JsonNode parsed = parse(resp.body());
      if (status / 100 == 2) {
        if (parsed == null) {
          throw new DiagnosisException(DiagnosisException.Kind.MALFORMED_ANSWER,
              api + " answered " + status + " with a body that is not JSON: \""
                  + AnswerParser.excerpt(resp.body()) + "\"");
        }
        return parsed;
      }
      String message = api + " answered " + status + errorText(parsed, resp);
      Optional<String> should = resp.headers().firstValue("x-should-retry");
      boolean retryable =
          should.map("true"::equalsIgnoreCase)
              .orElse(status == 408 || status == 409 || status == 429 || status >= 500);
      if (status == 429 && parsed != null && permanent429.apply(parsed)) {
        retryable = false;
      }
      if (!retryable) {
        throw new DiagnosisException(DiagnosisException.Kind.REJECTED, message);
      }
      DiagnosisException.Kind kind =
          status == 429 || status == 529 ? DiagnosisException.Kind.RATE_LIMITED
              : DiagnosisException.Kind.UNAVAILABLE;
      last = new DiagnosisException(kind, message);
      serverWait = retryAfter(resp).orElse(null);
    }
    throw new DiagnosisException(last.kind(),
        last.getMessage() + " (after " + (retry.maxRetries() + 1) + " attempts)", null, null, last);
  }

  private Duration backoff(int attempt) {
    Duration d = retry.backoffBase().multipliedBy(1L << Math.min(attempt - 1, 20));
    return d.compareTo(retry.maxWait()) > 0 ? retry.maxWait() : d;
  }

  private static Optional<Duration> retryAfter(HttpResponse<String> resp) {
    Optional<String> ms = resp.headers().firstValue("retry-after-ms");
    if (ms.isPresent()) {
      try {
        return Optional.of(Duration.ofMillis((long) Double.parseDouble(ms.get().strip())));
      } catch (NumberFormatException e) {
        // fall through to retry-after
      }
    }
    Optional<String> s = resp.headers().firstValue("retry-after");
    if (s.isPresent()) {
      try {
        return Optional.of(Duration.ofMillis((long) (Double.parseDouble(s.get().strip()) * 1000)));
      } catch (NumberFormatException e) {
        return Optional.empty(); // an HTTP date: use the backoff
      }
    }
    return Optional.empty();
  }

  private JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? null : json.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static String errorText(JsonNode parsed, HttpResponse<String> resp) {
    StringBuilder b = new StringBuilder();
    if (parsed != null && parsed.path("error").isObject()) {
      JsonNode e = parsed.get("error");
      if (e.hasNonNull("type")) {
        b.append(' ').append(e.get("type").asText());
      }
      if (e.hasNonNull("code")) {
        b.append(" (").append(e.get("code").asText()).append(')');
      }
      if (e.hasNonNull("message")) {
        b.append(": ").append(e.get("message").asText());
      }
    } else if (!resp.body().isBlank()) {
      b.append(": ").append(AnswerParser.excerpt(resp.body()));
    }
    resp.headers().firstValue("request-id").ifPresent(id -> b.append(" (request-id ").append(id).append(')'));
    return b.toString();
  }
}
