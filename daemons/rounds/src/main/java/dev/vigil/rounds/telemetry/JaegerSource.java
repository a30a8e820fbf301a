package dev.vigil.rounds.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetryException.Kind;
import dev.vigil.rounds.TelemetrySource;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads errors from Jaeger's query service (wire-formats 3): the services are listed, then each
 * one's traces in the window are searched, and the error spans of that service read.
 *
 * <ul>
 *   <li><b>v3</b> (api_v3, Jaeger v2): {@code GET /api/v3/services}, then {@code GET
 *       /api/v3/traces} with the snake_case {@code query.*} parameters every v2 release accepts,
 *       times in RFC 3339; a search without hits is a 404, read as "no traces". The result is
 *       OTLP/JSON; error spans ({@code status.code = 2}) and exception events are picked
 *       client-side, since attribute filters exist only from v2.20.
 *   <li><b>v1</b> (the HTTP API of Jaeger 1.x): {@code GET /api/services}, then {@code GET
 *       /api/traces?service=...&tags={"error":"true"}} (tags as a JSON map) with times in
 *       microseconds. A span's service is {@code processes[span.processID].serviceName}; it failed
 *       if its {@code error} tag is true or {@code otel.status_code} is {@code ERROR};
 *       exceptions are logs whose {@code event} field is {@code exception}.
 *   <li><b>auto</b>: asks {@code /api/v3/services} once; a JSON answer means v3, a 404 (or the
 *       UI's HTML page) means v1. The answer is kept for the source's lifetime.
 * </ul>
 */
final class JaegerSource implements TelemetrySource {
  private static final Logger log = LoggerFactory.getLogger(JaegerSource.class);

  /** Which API to speak. */
  enum Api {
    V1,
    V3,
    AUTO
  }

  private final String baseUrl;
  private final ServiceFilter filter;
  private final TelemetryHttp http;
  private final WindowDrainer drainer = new WindowDrainer("jaeger", Duration.ofNanos(1000), Duration.ofDays(2));
  private volatile Api api;

  JaegerSource(String baseUrl, Api api, ServiceFilter filter, TelemetryHttp http) {
    this.baseUrl = baseUrl;
    this.api = api;
    this.filter = filter;
    this.http = http;
  }

  @Override
  public String name() {
    return "jaeger";
  }

  /** The API in use, once known (AUTO until the first fetch has detected it). */
  Api api() {
    return api;
  }

  @Override
  public Batch fetch(Instant from, Instant to, int pageSize, int limit) throws TelemetryException {
    if (api == Api.AUTO) {
      api = detect();
      log.info("jaeger: {} speaks {}", baseUrl, api == Api.V3 ? "api_v3" : "the v1 HTTP API");
    }
    List<String> services = services();
    if (services.isEmpty()) {
      return new Batch(List.of(), 0, null);
    }
    return drainer.drain(
        from, to, pageSize, limit, (f, t, max) -> api == Api.V3 ? searchV3(services, f, t, max) : searchV1(services, f, t, max));
  }

  private Api detect() throws TelemetryException {
    URI uri = TelemetryHttp.uri(baseUrl, "/api/v3/services", Map.of());
    TelemetryHttp.Response r = http.get(uri, Map.of(), Set.of(404));
    if (r.status() == 404) {
      return Api.V1;
    }
    try {
      JsonNode body = http.parse(uri, r.body());
      return body.has("services") ? Api.V3 : Api.V1;
    } catch (TelemetryException notJson) {
      return Api.V1; // the UI's index page, served for any unknown path
    }
  }

  private List<String> services() throws TelemetryException {
    boolean v3 = api == Api.V3;
    URI uri = TelemetryHttp.uri(baseUrl, v3 ? "/api/v3/services" : "/api/services", Map.of());
    JsonNode body = http.getJson(uri);
    JsonNode list = body.get(v3 ? "services" : "data");
    if (list != null && list.isNull()) {
      return List.of();
    }
    if (list == null || !list.isArray()) {
      throw new TelemetryException(Kind.MALFORMED, "jaeger: " + uri.getPath() + " did not answer with a service list");
    }
    List<String> out = new ArrayList<>();
    list.forEach(s -> {
      if (filter.allows(s.asText())) {
        out.add(s.asText());
      }
    });
    out.sort(null);
    return out;
  }

  private WindowDrainer.Found searchV1(List<String> services, Instant from, Instant to, int max)
      throws TelemetryException {
    SpanErrors.Collected out = new SpanErrors.Collected();
    boolean full = false;
    for (String service : services) {
      URI uri =
          TelemetryHttp.uri(
              baseUrl,
              "/api/traces",
              TelemetryHttp.params(
                  "service", service,
                  "tags", "{\"error\":\"true\"}",
                  "start", Long.toString(Json.toMicros(from)),
                  "end", Long.toString(Json.toMicros(to)),
                  "limit", Integer.toString(max)));
      JsonNode body = http.getJson(uri);
      JsonNode data = body.get("data");
      if (data == null || !(data.isArray() || data.isNull())) {
        throw new TelemetryException(Kind.MALFORMED, "jaeger: /api/traces answered without a data array");
      }
      if (body.path("errors").isArray() && !body.get("errors").isEmpty()) {
        log.warn("jaeger: search of {} reported errors: {}", service, body.get("errors"));
      }
      full |= data.size() >= max;
      for (JsonNode trace : Json.elements(data, "data")) {
        readV1Trace(service, trace, out);
      }
    }
    return new WindowDrainer.Found(out, full);
  }

  private void readV1Trace(String service, JsonNode trace, SpanErrors.Collected out) {
    JsonNode processes = trace.path("processes");
    JsonNode spans = trace.get("spans");
    if (spans == null || !spans.isArray()) {
      out.skipped++;
      return;
    }
    for (JsonNode span : spans) {
      try {
        JsonNode process = span.has("process") ? span.get("process") : processes.path(Json.text(span, "processID"));
        String spanService = Json.text(process, "serviceName");
        if (!spanService.equals(service)) {
          continue; // another service's span: read by that service's search
        }
        SpanErrors.emit(name(), v1Span(spanService, span), out.events);
      } catch (RuntimeException e) {
        out.skipped++;
        log.debug("jaeger: skipping an unreadable span: {}", e.getMessage());
      }
    }
  }

  static SpanErrors.SpanView v1Span(String service, JsonNode span) {
    String traceId = Ids.traceId(Json.text(span, "traceID"));
    String spanId = Ids.spanId(Json.text(span, "spanID"));
    if (traceId.isEmpty() || spanId.isEmpty()) {
      throw new IllegalArgumentException("span without traceID or spanID");
    }
    Map<String, String> tags = keyValues(span.get("tags"));
    boolean error = "true".equalsIgnoreCase(tags.getOrDefault("error", "")) || "ERROR".equals(tags.get("otel.status_code"));
    List<SpanErrors.Thrown> thrown = new ArrayList<>();
    for (JsonNode logEntry : Json.array(span, "logs")) {
      Map<String, String> fields = keyValues(logEntry.get("fields"));
      if (!"exception".equals(fields.get("event"))) {
        continue;
      }
      thrown.add(
          new SpanErrors.Thrown(
              Json.fromMicros(Json.longValue(logEntry.get("timestamp"), "logs[].timestamp")),
              fields.getOrDefault("exception.type", ""),
              fields.getOrDefault("exception.message", ""),
              fields.getOrDefault("exception.stacktrace", "")));
    }
    return new SpanErrors.SpanView(
        service,
        traceId,
        spanId,
        Json.text(span, "operationName"),
        Json.fromMicros(Json.longValue(span.get("startTime"), "startTime")),
        error,
        tags.getOrDefault("otel.status_description", ""),
        thrown);
  }

  /** Jaeger's {@code [{key, type, value}]} as a map; values (string, bool, number) as text. */
  private static Map<String, String> keyValues(JsonNode list) {
    Map<String, String> m = new java.util.HashMap<>();
    for (JsonNode kv : Json.elements(list, "tags")) {
      m.put(Json.text(kv, "key"), Json.text(kv, "value"));
    }
    return m;
  }

  private WindowDrainer.Found searchV3(List<String> services, Instant from, Instant to, int max)
      throws TelemetryException {
    SpanErrors.Collected out = new SpanErrors.Collected();
    boolean full = false;
    for (String service : services) {
      URI uri =
          TelemetryHttp.uri(
              baseUrl,
              "/api/v3/traces",
              TelemetryHttp.params(
                  "query.service_name", service,
                  "query.start_time_min", from.toString(),
                  "query.start_time_max", to.toString(),
                  "query.num_traces", Integer.toString(max)));
      TelemetryHttp.Response r = http.get(uri, Map.of(), Set.of(404));
      JsonNode body = http.parse(uri, r.body());
      if (r.status() == 404) {
        if (body.path("error").path("httpCode").asInt() != 404) {
          throw new TelemetryException(Kind.UNEXPECTED_STATUS, "jaeger: " + uri.getPath() + " answered 404: " + body);
        }
        continue; // "No traces found"
      }
      JsonNode resourceSpans = body.path("result").get("resourceSpans");
      if (resourceSpans == null || !(resourceSpans.isArray() || resourceSpans.isNull())) {
        throw new TelemetryException(Kind.MALFORMED, "jaeger: " + uri.getPath() + " answered without result.resourceSpans");
      }
      full |= traceIds(resourceSpans) >= max;
      OtlpTraces.read(name(), resourceSpans, new ServiceFilter(Set.of(service)), out);
    }
    return new WindowDrainer.Found(out, full);
  }

  private static int traceIds(JsonNode resourceSpans) {
    Set<String> ids = new HashSet<>();
    for (JsonNode rs : resourceSpans) {
      for (JsonNode ss : rs.path("scopeSpans")) {
        for (JsonNode span : ss.path("spans")) {
          ids.add(span.path("traceId").asText());
        }
      }
    }
    return ids.size();
  }
}
