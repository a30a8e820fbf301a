package dev.vigil.rounds.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetryException.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP path of every pull source: sends a request with the source's auth headers, retries
 * 429, 5xx, timeouts and dropped connections with exponential backoff (honouring
 * {@code Retry-After} in seconds or as an HTTP date) up to {@link HttpSettings#maxAttempts}, and
 * turns whatever is left into a {@link TelemetryException} of the right kind. Never logs or
 * reports the auth headers; URLs are shown without user info. Thread-safe.
 */
final class TelemetryHttp {
  private static final Logger log = LoggerFactory.getLogger(TelemetryHttp.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SNIPPET = 300;

  /** An answer the caller accepted: a 2xx or one of the statuses it asked to see. */
  record Response(int status, String body) {}

  private final String backend;
  private final HttpClient client;
  private final HttpSettings settings;
  private final Map<String, String> headers;
  private final Clock clock;
  private final Sleeper sleeper;

  TelemetryHttp(
      String backend,
      HttpClient client,
      HttpSettings settings,
      Map<String, String> headers,
      Clock clock,
      Sleeper sleeper) {
    this.backend = backend;
    this.client = client;
    this.settings = settings;
    this.headers = Map.copyOf(headers);
    this.clock = clock;
    this.sleeper = sleeper;
  }

  /** A client as every source uses it: HTTP/1.1, the configured connect timeout, no redirects. */
  static HttpClient newClient(HttpSettings settings) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** {@code GET uri}, the body parsed as JSON. */
  JsonNode getJson(URI uri) throws TelemetryException {
    return parse(uri, get(uri, Map.of(), Set.of()).body());
  }

  /** {@code GET uri} with extra headers; statuses in {@code alsoAccept} are returned, not thrown. */
  Response get(URI uri, Map<String, String> extraHeaders, Set<Integer> alsoAccept)
      throws TelemetryException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
    return send("GET", uri, b, extraHeaders, alsoAccept);
  }

  /** {@code POST uri} with a JSON body, the answer parsed as JSON. */
  JsonNode postJson(URI uri, String body) throws TelemetryException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    return parse(uri, send("POST", uri, b, Map.of("Content-Type", "application/json"), Set.of()).body());
  }

  /** Parses a body as JSON, or fails as {@link Kind#MALFORMED}. */
  JsonNode parse(URI uri, String body) throws TelemetryException {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new TelemetryException(
            Kind.MALFORMED, backend + ": empty body from " + redact(uri) + ", expected JSON");
      }
      return node;
    } catch (IOException e) {
      throw new TelemetryException(
          Kind.MALFORMED,
          backend + ": " + redact(uri) + " answered with a body that is not JSON: " + snippet(body),
          e);
    }
  }

  private Response send(
      String method,
      URI uri,
      HttpRequest.Builder builder,
      Map<String, String> extraHeaders,
      Set<Integer> alsoAccept)
      throws TelemetryException {
    builder.timeout(settings.requestTimeout()).header("Accept", "application/json");
    headers.forEach(builder::header);
    extraHeaders.forEach(builder::header);
    HttpRequest request = builder.build();
    for (int attempt = 1; ; attempt++) {
      TelemetryException failure;
      Optional<Duration> serverWait = Optional.empty();
      try {
        HttpResponse<String> response =
            client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        int status = response.statusCode();
        if ((status >= 200 && status < 300) || alsoAccept.contains(status)) {
          return new Response(status, response.body());
        }
        failure = statusFailure(method, uri, status, response.body());
        if (!retryable(status)) {
          throw failure;
        }
        serverWait = response.headers().firstValue("Retry-After").flatMap(this::retryAfter);
      } catch (HttpTimeoutException e) {
        failure =
            new TelemetryException(
                Kind.TIMEOUT,
                backend + ": no answer from " + method + " " + redact(uri) + " within "
                    + settings.requestTimeout(),
                e);
      } catch (ConnectException e) {
        failure = new TelemetryException(
            Kind.UNREACHABLE, backend + ": cannot connect to " + redact(uri) + ": " + e, e);
      } catch (IOException e) {
        failure = new TelemetryException(
            Kind.UNREACHABLE, backend + ": " + method + " " + redact(uri) + " failed: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TelemetryException(Kind.UNREACHABLE, backend + ": interrupted", e);
      }
      if (attempt >= settings.maxAttempts()) {
        throw failure;
      }
      Duration wait = serverWait.orElse(settings.backoff(attempt));
      if (wait.compareTo(settings.maxRetryAfter()) > 0) {
        throw new TelemetryException(
            failure.kind(),
            failure.getMessage() + "; the server asks to wait " + wait + ", longer than "
                + settings.maxRetryAfter() + ", so the read ends here",
            failure.getCause());
      }
      log.debug("{}: attempt {} failed ({}), retrying in {}", backend, attempt, failure.getMessage(), wait);
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure;
      }
    }
  }

  private TelemetryException statusFailure(String method, URI uri, int status, String body) {
    Kind kind;
    if (status == 401 || status == 403) {
      kind = Kind.AUTH;
    } else if (status == 429) {
      kind = Kind.RATE_LIMITED;
    } else if (status >= 500) {
      kind = Kind.SERVER_ERROR;
    } else {
      kind = Kind.UNEXPECTED_STATUS;
    }
    return new TelemetryException(
        kind, backend + ": " + method + " " + redact(uri) + " answered " + status + ": " + snippet(body));
  }

  private static boolean retryable(int status) {
    return status == 429 || status >= 500;
  }

  /** {@code Retry-After} as delta-seconds or an HTTP date; empty when it is neither. */
  Optional<Duration> retryAfter(String value) {
    String v = value.trim();
    try {
      long seconds = Long.parseLong(v);
      return Optional.of(Duration.ofSeconds(Math.max(0, seconds)));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(clock.instant(), at.toInstant());
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (DateTimeParseException notDate) {
        log.debug("{}: ignoring unreadable Retry-After {}", backend, v);
        return Optional.empty();
      }
    }
  }

  private static String snippet(String body) {
    if (body == null || body.isEmpty()) {
      return "(empty body)";
    }
    String oneLine = body.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= SNIPPET ? oneLine : oneLine.substring(0, SNIPPET) + "...";
  }

  /** The URI without user info, which may hold a password. */
  static String redact(URI uri) {
    if (uri.getRawUserInfo() == null) {
      return uri.toString();
    }
    return uri.toString().replace(uri.getRawUserInfo() + "@", "***@");
  }

  /** {@code base + path + ?query}, each parameter value URL-encoded; base may carry a path prefix. */
  static URI uri(String base, String path, Map<String, String> params) {
    StringBuilder sb = new StringBuilder(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    sb.append(path);
    if (!params.isEmpty()) {
      StringJoiner q = new StringJoiner("&", "?", "");
      params.forEach(
          (k, v) ->
              q.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                  + URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20")));
      sb.append(q);
    }
    return URI.create(sb.toString());
  }

  /** An ordered parameter map, for readable request logs and predictable tests. */
  static Map<String, String> params(String... keyValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return m;
  }
}
