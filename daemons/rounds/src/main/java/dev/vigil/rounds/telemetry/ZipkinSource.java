package dev.vigil.rounds.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetryException.Kind;
import dev.vigil.rounds.TelemetrySource;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads errors from Zipkin's v2 API (wire-formats 6): {@code GET /api/v2/traces} with
 * {@code annotationQuery=error} (matches the {@code error} tag OpenTelemetry and native Zipkin
 * instrumentation set), {@code endTs}/{@code lookback} in milliseconds, one query per service of
 * {@code SERVICE_FILTER} or one for all. A span is failed if it has an {@code error} tag (whose
 * value is the status description, or {@code "true"}) or {@code otel.status_code=ERROR};
 * exceptions come from annotations holding {@code exception} and its attributes as JSON. Span
 * times are microseconds; the service is {@code localEndpoint.serviceName}.
 */
final class ZipkinSource implements TelemetrySource {
  private static final Logger log = LoggerFactory.getLogger(ZipkinSource.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final ServiceFilter filter;
  private final TelemetryHttp http;
  private final WindowDrainer drainer = new WindowDrainer("zipkin", Duration.ofMillis(1), Duration.ofHours(12));

  ZipkinSource(String baseUrl, ServiceFilter filter, TelemetryHttp http) {
    this.baseUrl = baseUrl;
    this.filter = filter;
    this.http = http;
  }

  @Override
  public String name() {
    return "zipkin";
  }

  @Override
  public Batch fetch(Instant from, Instant to, int pageSize, int limit) throws TelemetryException {
    return drainer.drain(from, to, pageSize, limit, this::search);
  }

  private WindowDrainer.Found search(Instant from, Instant to, int maxTraces) throws TelemetryException {
    // Both ends inclusive in whole milliseconds, rounded outwards: Zipkin matches
    // endTs - lookback <= timestamp <= endTs, so a split window overlaps by at most 1 ms.
    long endTs = Math.ceilDiv(Json.toMicros(to), 1000L);
    long lookback = endTs - Math.floorDiv(Json.toMicros(from), 1000L);
    List<String> services = filter.isAll() ? Collections.singletonList(null) : filter.sorted();
    SpanErrors.Collected out = new SpanErrors.Collected();
    boolean full = false;
    for (String service : services) {
      Map<String, String> p = TelemetryHttp.params();
      if (service != null) {
        p.put("serviceName", service);
      }
      p.put("annotationQuery", "error");
      p.put("endTs", Long.toString(endTs));
      p.put("lookback", Long.toString(lookback));
      p.put("limit", Integer.toString(maxTraces));
      URI uri = TelemetryHttp.uri(baseUrl, "/api/v2/traces", p);
      JsonNode traces = http.getJson(uri);
      if (!traces.isArray()) {
        throw new TelemetryException(Kind.MALFORMED, "zipkin: " + uri.getPath() + " did not answer with an array of traces");
      }
      full |= traces.size() >= maxTraces;
      for (JsonNode trace : traces) {
        if (!trace.isArray()) {
          out.skipped++;
          continue;
        }
        for (JsonNode span : trace) {
          try {
            SpanErrors.SpanView view = span(span);
            if (filter.allows(view.service())) {
              SpanErrors.emit(name(), view, out.events);
            }
          } catch (RuntimeException e) {
            out.skipped++;
            log.debug("zipkin: skipping an unreadable span: {}", e.getMessage());
          }
        }
      }
    }
    return new WindowDrainer.Found(out, full);
  }

  static SpanErrors.SpanView span(JsonNode span) {
    if (!span.isObject()) {
      throw new IllegalArgumentException("span is not an object");
    }
    String traceId = Ids.traceId(Json.text(span, "traceId"));
    String spanId = Ids.spanId(Json.text(span, "id"));
    if (traceId.isEmpty() || spanId.isEmpty()) {
      throw new IllegalArgumentException("span without traceId or id");
    }
    JsonNode tags = span.path("tags");
    boolean error = tags.has("error") || "ERROR".equals(Json.text(tags, "otel.status_code"));
    String errorTag = Json.text(tags, "error");
    String statusMessage =
        errorTag.isEmpty() || errorTag.equalsIgnoreCase("true") ? Json.text(tags, "otel.status_description") : errorTag;
    List<SpanErrors.Thrown> thrown = new ArrayList<>();
    Instant firstAnnotation = null;
    for (JsonNode a : Json.array(span, "annotations")) {
      Instant at = Json.fromMicros(Json.longValue(a.get("timestamp"), "annotations[].timestamp"));
      firstAnnotation = firstAnnotation == null ? at : firstAnnotation;
      SpanErrors.Thrown t = exception(at, Json.text(a, "value"));
      if (t != null) {
        thrown.add(t);
      }
    }
    Instant start;
    if (span.hasNonNull("timestamp")) {
      start = Json.fromMicros(Json.longValue(span.get("timestamp"), "timestamp"));
    } else if (firstAnnotation != null) {
      start = firstAnnotation;
    } else {
      throw new IllegalArgumentException("span " + spanId + " has no timestamp");
    }
    return new SpanErrors.SpanView(
        Json.text(span.path("localEndpoint"), "serviceName"),
        traceId,
        spanId,
        Json.text(span, "name"),
        start,
        error,
        statusMessage,
        thrown);
  }

  /**
   * An annotation for an OpenTelemetry {@code exception} event, or null. Exporters write the event
   * name then its attributes as JSON ({@code "exception": {...}}, {@code exception:{...}}); the
   * text varies, so this looks for the name at the start and the first JSON object after it.
   */
  static SpanErrors.Thrown exception(Instant at, String value) {
    String v = value.strip();
    if (v.startsWith("\"")) {
      v = v.substring(1);
    }
    if (!v.startsWith("exception")) {
      return null;
    }
    String rest = v.substring("exception".length());
    if (!rest.isEmpty() && Character.isLetterOrDigit(rest.charAt(0))) {
      return null; // "exceptionally slow" and the like
    }
    int open = rest.indexOf('{');
    int close = rest.lastIndexOf('}');
    if (open < 0 || close < open) {
      return new SpanErrors.Thrown(at, "", "", "");
    }
    try {
      JsonNode attrs = JSON.readTree(rest.substring(open, close + 1));
      return new SpanErrors.Thrown(
          at,
          Json.text(attrs, "exception.type"),
          Json.text(attrs, "exception.message"),
          Json.text(attrs, "exception.stacktrace"));
    } catch (IOException e) {
      return new SpanErrors.Thrown(at, "", "", "");
    }
  }
}
