package dev.vigil.rounds.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetryException.Kind;
import dev.vigil.rounds.TelemetrySource;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads error spans from SigNoz's v5 query API (wire-formats 2): {@code POST
 * /api/v5/query_range} with the service-account key in {@code SIGNOZ-API-KEY}, a {@code raw}
 * builder query over {@code traces} filtered by {@code has_error = true} (and the services of
 * {@code SERVICE_FILTER}), {@code start}/{@code end} in epoch milliseconds, oldest first, paged
 * with {@code limit}/{@code offset} until a page comes back short. Exceptions come from the
 * span's {@code events} column, which SigNoz returns as objects or, in older versions, as JSON
 * strings; both are read.
 */
final class SignozSource implements TelemetrySource {
  private static final Logger log = LoggerFactory.getLogger(SignozSource.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** v5 rejects a larger limit. */
  static final int MAX_PAGE = 10_000;

  private final String baseUrl;
  private final ServiceFilter filter;
  private final TelemetryHttp http;

  SignozSource(String baseUrl, ServiceFilter filter, TelemetryHttp http) {
    this.baseUrl = baseUrl;
    this.filter = filter;
    this.http = http;
  }

  @Override
  public String name() {
    return "signoz";
  }

  @Override
  public Batch fetch(Instant from, Instant to, int pageSize, int limit) throws TelemetryException {
    URI uri = TelemetryHttp.uri(baseUrl, "/api/v5/query_range", Map.of());
    List<ErrorEvent> events = new ArrayList<>();
    int skipped = 0;
    int offset = 0;
    while (true) {
      int want = Math.min(Math.min(pageSize, MAX_PAGE), Math.max(1, limit - events.size()));
      JsonNode rows = rows(uri, http.postJson(uri, body(from, to, want, offset)));
      Instant lastRowTime = null;
      for (JsonNode row : rows) {
        Instant rowTime;
        List<ErrorEvent> rowEvents = new ArrayList<>();
        try {
          rowTime = time(row);
          SpanErrors.emit(name(), span(row, rowTime), rowEvents);
        } catch (RuntimeException e) {
          skipped++;
          log.debug("signoz: skipping an unreadable row: {}", e.getMessage());
          continue;
        }
        if (!events.isEmpty() && events.size() + rowEvents.size() > limit) {
          return new Batch(events, skipped, rowTime);
        }
        events.addAll(rowEvents);
        lastRowTime = rowTime;
      }
      if (rows.size() < want) {
        return new Batch(events, skipped, null);
      }
      if (events.size() >= limit) {
        // rows at the same instant may follow: resume there (re-reads are de-duplicated)
        return new Batch(events, skipped, lastRowTime == null ? from : lastRowTime);
      }
      offset += rows.size();
    }
  }

  String body(Instant from, Instant to, int limit, int offset) {
    ObjectNode spec = JSON.createObjectNode();
    spec.put("name", "A");
    spec.put("signal", "traces");
    spec.putObject("filter").put("expression", filterExpression());
    ArrayNode select = spec.putArray("selectFields");
    select.addObject().put("name", "service.name").put("fieldContext", "resource");
    for (String f : List.of("name", "status_message", "has_error", "events")) {
      select.addObject().put("name", f);
    }
    spec.putArray("order").addObject().put("direction", "asc").putObject("key").put("name", "timestamp");
    spec.put("limit", limit);
    spec.put("offset", offset);
    ObjectNode body = JSON.createObjectNode();
    body.put("schemaVersion", "v1");
    body.put("start", from.toEpochMilli());
    body.put("end", to.toEpochMilli());
    body.put("requestType", "raw");
    ArrayNode queries = body.putObject("compositeQuery").putArray("queries");
    queries.addObject().put("type", "builder_query").set("spec", spec);
    return body.toString();
  }

  private String filterExpression() {
    if (filter.isAll()) {
      return "has_error = true";
    }
    String services =
        filter.sorted().stream()
            .map(s -> "service.name = '" + s.replace("\\", "\\\\").replace("'", "\\'") + "'")
            .collect(Collectors.joining(" OR "));
    return "has_error = true AND (" + services + ")";
  }

  private JsonNode rows(URI uri, JsonNode answer) throws TelemetryException {
    if (!"success".equals(Json.text(answer, "status"))) {
      throw new TelemetryException(Kind.UNEXPECTED_STATUS, "signoz: " + uri.getPath() + " answered 2xx without success: " + answer.path("error"));
    }
    JsonNode results = answer.path("data").path("data").path("results");
    if (!results.isArray()) {
      throw new TelemetryException(Kind.MALFORMED, "signoz: " + uri.getPath() + " answered without data.data.results");
    }
    if (results.isEmpty()) {
      return JSON.createArrayNode();
    }
    JsonNode rows = results.get(0).get("rows");
    if (rows == null || rows.isNull()) {
      return JSON.createArrayNode(); // SigNoz sends null, not [], when nothing matched
    }
    if (!rows.isArray()) {
      throw new TelemetryException(Kind.MALFORMED, "signoz: rows is not an array");
    }
    return rows;
  }

  private static Instant time(JsonNode row) {
    String ts = Json.text(row, "timestamp");
    if (ts.isEmpty()) {
      ts = Json.text(row.path("data"), "timestamp");
    }
    return OffsetDateTime.parse(ts).toInstant();
  }

  private static SpanErrors.SpanView span(JsonNode row, Instant time) {
    JsonNode d = row.get("data");
    if (d == null || !d.isObject()) {
      throw new IllegalArgumentException("row without data");
    }
    String traceId = Ids.traceId(Json.text(d, "trace_id"));
    String spanId = Ids.spanId(Json.text(d, "span_id"));
    if (traceId.isEmpty() || spanId.isEmpty()) {
      throw new IllegalArgumentException("row without trace_id or span_id");
    }
    String service = Json.text(d, "service.name");
    if (service.isEmpty()) {
      service = Json.text(d, "serviceName");
    }
    List<SpanErrors.Thrown> thrown = new ArrayList<>();
    for (JsonNode e : Json.array(d, "events")) {
      JsonNode event = e.isTextual() ? parse(e.asText()) : e;
      if (!"exception".equals(Json.text(event, "name"))) {
        continue;
      }
      JsonNode attrs = event.has("attributeMap") ? event.get("attributeMap") : event.path("attributes");
      Map<String, String> a = attrs.isArray() ? OtlpTraces.attributes(attrs) : flat(attrs);
      JsonNode t = event.has("timeUnixNano") ? event.get("timeUnixNano") : event.get("time");
      Instant at;
      if (t == null || t.isNull()) {
        at = time;
      } else if (t.isTextual() && t.asText().contains("T")) {
        at = OffsetDateTime.parse(t.asText()).toInstant();
      } else {
        at = Json.fromNanos(Json.longValue(t, "event time"));
      }
      thrown.add(
          new SpanErrors.Thrown(
              at, a.getOrDefault("exception.type", ""), a.getOrDefault("exception.message", ""), a.getOrDefault("exception.stacktrace", "")));
    }
    // the query asked for has_error = true; a row that says otherwise still failed by SigNoz's count
    return new SpanErrors.SpanView(service, traceId, spanId, Json.text(d, "name"), time, true, Json.text(d, "status_message"), thrown);
  }

  /** A JSON object's fields as text (scalars as themselves, anything else as JSON). */
  private static Map<String, String> flat(JsonNode object) {
    Map<String, String> m = new java.util.HashMap<>();
    object.properties().forEach(e -> m.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
    return m;
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException("event is not JSON: " + e.getMessage(), e);
    }
  }
}
