package dev.vigil.rounds.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads error spans from OTLP-shaped trace JSON as Jaeger api_v3 ({@code {"result": TracesData}})
 * and Tempo ({@code batches} or {@code trace.resourceSpans}) return it (wire-formats 1.2, 3.5,
 * 4.1): ids hex or base64, enums as integers or names, 64-bit integers as numbers or strings,
 * {@code scopeSpans} or the older {@code instrumentationLibrarySpans}. The service is the
 * resource's {@code service.name}. A span that cannot be read is counted and skipped.
 */
final class OtlpTraces {
  private static final Logger log = LoggerFactory.getLogger(OtlpTraces.class);

  private OtlpTraces() {}

  /** Reads every {@code ResourceSpans} of {@code resourceSpans} into {@code out}. */
  static void read(String source, JsonNode resourceSpans, ServiceFilter filter, SpanErrors.Collected out) {
    for (JsonNode rs : Json.elements(resourceSpans, "resourceSpans")) {
      String service = attributes(rs.path("resource").path("attributes")).getOrDefault("service.name", "");
      if (!filter.allows(service)) {
        continue;
      }
      JsonNode scopes = rs.has("scopeSpans") ? rs.get("scopeSpans") : rs.get("instrumentationLibrarySpans");
      for (JsonNode scope : Json.elements(scopes, "scopeSpans")) {
        for (JsonNode span : Json.array(scope, "spans")) {
          try {
            SpanErrors.emit(source, span(service, span), out.events);
          } catch (RuntimeException e) {
            out.skipped++;
            log.debug("{}: skipping an unreadable span: {}", source, e.getMessage());
          }
        }
      }
    }
  }

  private static SpanErrors.SpanView span(String service, JsonNode span) {
    String traceId = Ids.traceId(Json.text(span, "traceId"));
    String spanId = Ids.spanId(Json.text(span, "spanId"));
    if (traceId.isEmpty() || spanId.isEmpty()) {
      throw new IllegalArgumentException("span without traceId or spanId");
    }
    Instant start = Json.fromNanos(Json.longValue(span.get("startTimeUnixNano"), "startTimeUnixNano"));
    JsonNode status = span.path("status");
    JsonNode code = status.path("code");
    boolean error = code.isNumber() ? code.asInt() == 2 : "STATUS_CODE_ERROR".equals(code.asText());
    List<SpanErrors.Thrown> thrown = new ArrayList<>();
    for (JsonNode event : Json.array(span, "events")) {
      if (!"exception".equals(Json.text(event, "name"))) {
        continue;
      }
      Map<String, String> a = attributes(event.path("attributes"));
      Instant time = event.has("timeUnixNano") ? Json.fromNanos(Json.longValue(event.get("timeUnixNano"), "timeUnixNano")) : start;
      thrown.add(
          new SpanErrors.Thrown(
              time,
              a.getOrDefault("exception.type", ""),
              a.getOrDefault("exception.message", ""),
              a.getOrDefault("exception.stacktrace", "")));
    }
    return new SpanErrors.SpanView(
        service, traceId, spanId, Json.text(span, "name"), start, error, Json.text(status, "message"), thrown);
  }

  /** A {@code KeyValue} list as a string map; non-string values in their JSON text. */
  static Map<String, String> attributes(JsonNode keyValues) {
    Map<String, String> m = new HashMap<>();
    if (keyValues == null || !keyValues.isArray()) {
      return m;
    }
    for (JsonNode kv : keyValues) {
      JsonNode v = kv.path("value");
      String s;
      if (v.has("stringValue")) {
        s = v.get("stringValue").asText();
      } else if (v.has("boolValue")) {
        s = v.get("boolValue").asText();
      } else if (v.has("intValue")) {
        s = v.get("intValue").asText();
      } else if (v.has("doubleValue")) {
        s = v.get("doubleValue").asText();
      } else {
        s = v.toString();
      }
      m.put(Json.text(kv, "key"), s);
    }
    return m;
  }
}
