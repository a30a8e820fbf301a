package dev.vigil.rounds.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetryException.Kind;
import dev.vigil.rounds.TelemetrySource.Batch;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error log records from Grafana Loki (wire-formats 5): always the range endpoint {@code GET
 * /loki/api/v1/query_range} (the instant endpoint refuses log queries), {@code start}/{@code end}
 * in epoch nanoseconds, {@code direction=forward} so pages run oldest first, each next page
 * starting at the last timestamp read with the entries already seen there dropped. Labels are
 * asked for categorised ({@code X-Loki-Response-Encoding-Flags: categorize-labels}); the trace
 * and span ids are read from structured metadata, parsed labels, stream labels or the line
 * itself, in that order; exception attributes arrive flattened ({@code exception_type}).
 */
final class LokiLogs {
  private static final Logger log = LoggerFactory.getLogger(LokiLogs.class);
  /** Loki's default {@code max_entries_limit_per_query}; more is a 400. */
  static final int MAX_PAGE = 5000;
  private static final Pattern TRACE_IN_LINE =
      Pattern.compile("(?i)trace[_.-]?id[\"']?\\s*[=:]\\s*[\"']?([0-9a-f]{16,32})\\b");
  private static final Pattern SPAN_IN_LINE =
      Pattern.compile("(?i)span[_.-]?id[\"']?\\s*[=:]\\s*[\"']?([0-9a-f]{16})\\b");
  private static final Set<String> FATAL = Set.of("fatal", "critical", "crit", "emergency", "emerg", "alert", "panic");

  private final String source;
  private final String baseUrl;
  private final String errorFilter;
  private final ServiceFilter filter;
  private final TelemetryHttp http;

  LokiLogs(String source, String baseUrl, String errorFilter, ServiceFilter filter, TelemetryHttp http) {
    this.source = source;
    this.baseUrl = baseUrl;
    this.errorFilter = errorFilter;
    this.filter = filter;
    this.http = http;
  }

  /** The LogQL: a stream selector for the services, then the error filter pipeline. */
  String query() {
    String selector;
    if (filter.isAll()) {
      selector = "{service_name=~\".+\"}";
    } else if (filter.services().size() == 1) {
      selector = "{service_name=\"" + quote(filter.sorted().get(0)) + "\"}";
    } else {
      selector =
          filter.sorted().stream()
              .map(s -> quote(s.replaceAll("([\\\\.+*?()|\\[\\]{}^$])", "\\\\$1")))
              .collect(Collectors.joining("|", "{service_name=~\"", "\"}"));
    }
    return errorFilter.isBlank() ? selector : selector + " " + errorFilter.strip();
  }

  private static String quote(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private record Entry(BigInteger ns, String line, Map<String, String> fields, String key) {}

  Batch fetch(Instant from, Instant to, int pageSize, int limit) throws TelemetryException {
    BigInteger start = nanos(from);
    BigInteger end = nanos(to);
    List<ErrorEvent> events = new ArrayList<>();
    int skipped = 0;
    Set<String> seenAtStart = new HashSet<>();
    while (true) {
      // at least one more than the entries already read at the start instant, or no progress
      int want = Math.min(MAX_PAGE, Math.max(Math.min(pageSize, limit - events.size()), seenAtStart.size() + 1));
      URI uri =
          TelemetryHttp.uri(
              baseUrl,
              "/loki/api/v1/query_range",
              TelemetryHttp.params(
                  "query", query(),
                  "start", start.toString(),
                  "end", end.toString(),
                  "limit", Integer.toString(want),
                  "direction", "forward"));
      JsonNode answer =
          http.parse(uri, http.get(uri, Map.of("X-Loki-Response-Encoding-Flags", "categorize-labels"), Set.of()).body());
      List<Entry> entries = new ArrayList<>();
      int bad = entries(answer, entries);
      skipped += bad;
      int returned = entries.size() + bad;
      entries.sort(Comparator.comparing(Entry::ns));
      Set<String> seenAtLast = new HashSet<>();
      BigInteger last = start;
      for (Entry e : entries) {
        if (e.ns().equals(start) && seenAtStart.contains(e.key())) {
          continue; // read on the previous page
        }
        if (events.size() >= limit) {
          return new Batch(events, skipped, Json.fromNanos(e.ns().longValueExact()));
        }
        try {
          ErrorEvent event = event(e);
          if (filter.allows(event.service())) {
            events.add(event);
          }
        } catch (RuntimeException ex) {
          skipped++;
          log.debug("{}: skipping an unreadable log entry: {}", source, ex.getMessage());
        }
        if (!e.ns().equals(last)) {
          seenAtLast.clear();
          last = e.ns();
        }
        seenAtLast.add(e.key());
      }
      if (returned < want) {
        return new Batch(events, skipped, null);
      }
      if (last.equals(start)) {
        seenAtLast.addAll(seenAtStart);
        if (seenAtLast.size() == seenAtStart.size()) {
          // a whole page at one nanosecond, all seen: step past it rather than loop
          log.warn("{}: more than {} log entries at {} ns; moving past them", source, want, last);
          last = last.add(BigInteger.ONE);
          seenAtLast.clear();
        }
      }
      if (events.size() >= limit) {
        return new Batch(events, skipped, Json.fromNanos(last.longValueExact()));
      }
      start = last;
      seenAtStart = seenAtLast;
    }
  }

  private static BigInteger nanos(Instant t) {
    return BigInteger.valueOf(t.getEpochSecond()).multiply(BigInteger.valueOf(1_000_000_000L)).add(BigInteger.valueOf(t.getNano()));
  }

  /** Flattens the streams into entries; returns how many values could not be read. */
  private int entries(JsonNode answer, List<Entry> out) throws TelemetryException {
    JsonNode data = answer.path("data");
    if (!"success".equals(Json.text(answer, "status")) || !data.path("result").isArray()) {
      throw new TelemetryException(Kind.MALFORMED, source + ": Loki answered without data.result: " + abbreviate(answer));
    }
    if (!"streams".equals(Json.text(data, "resultType"))) {
      throw new TelemetryException(
          Kind.MALFORMED, source + ": Loki answered a " + Json.text(data, "resultType") + " result; the error query must select log lines");
    }
    int bad = 0;
    for (JsonNode stream : data.get("result")) {
      Map<String, String> labels = strings(stream.path("stream"));
      for (JsonNode v : Json.elements(stream.get("values"), "values")) {
        try {
          if (!v.isArray() || v.size() < 2) {
            throw new IllegalArgumentException("value is not [ts, line]");
          }
          BigInteger ns = new BigInteger(v.get(0).asText());
          Map<String, String> fields = new HashMap<>(labels);
          if (v.size() > 2) {
            fields.putAll(strings(v.get(2).path("structuredMetadata")));
            fields.putAll(strings(v.get(2).path("parsed")));
          }
          String line = v.get(1).asText();
          out.add(new Entry(ns, line, fields, labels + "\u0000" + line + "\u0000" + fields.hashCode()));
        } catch (RuntimeException e) {
          bad++;
        }
      }
    }
    return bad;
  }

  private ErrorEvent event(Entry e) {
    Map<String, String> f = e.fields();
    String traceId = first(f, "trace_id", "traceid", "traceId", "traceID");
    String spanId = first(f, "span_id", "spanid", "spanId", "spanID");
    if (traceId.isEmpty()) {
      Matcher m = TRACE_IN_LINE.matcher(e.line());
      traceId = m.find() ? m.group(1) : "";
    }
    if (spanId.isEmpty()) {
      Matcher m = SPAN_IN_LINE.matcher(e.line());
      spanId = m.find() ? m.group(1) : "";
    }
    String level = first(f, "severity_text", "detected_level", "level").toLowerCase(Locale.ROOT);
    String number = first(f, "severity_number");
    boolean fatal = FATAL.contains(level) || (!number.isEmpty() && Integer.parseInt(number) >= 21);
    String message = first(f, "exception_message");
    return new ErrorEvent(
        source,
        first(f, "service_name", "service"),
        first(f, "exception_type"),
        message.isEmpty() ? e.line() : message,
        first(f, "exception_stacktrace"),
        Json.fromNanos(e.ns().longValueExact()),
        Ids.traceId(traceId),
        Ids.spanId(spanId),
        fatal ? Severity.FATAL : Severity.ERROR,
        Map.of());
  }

  private static String first(Map<String, String> f, String... keys) {
    for (String k : keys) {
      String v = f.get(k);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return "";
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> m = new HashMap<>();
    if (object.isObject()) {
      object.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
    }
    return m;
  }

  private static String abbreviate(JsonNode n) {
    String s = n.toString();
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
