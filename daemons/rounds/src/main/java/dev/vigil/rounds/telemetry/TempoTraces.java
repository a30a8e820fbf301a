package dev.vigil.rounds.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetryException.Kind;
import dev.vigil.rounds.TelemetrySource.Batch;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error spans from Grafana Tempo (wire-formats 4): {@code GET /api/search} with the TraceQL
 * {@code { status = error }} (narrowed to the services of {@code SERVICE_FILTER}) and
 * {@code start}/{@code end} in seconds, then each trace found read with {@code GET
 * /api/traces/<id>}. The service is the resource's {@code service.name} in the trace itself,
 * never the search result's {@code rootServiceName} (the root span's service, not the failing
 * one). Search results are "first N found", so full answers are split by {@link WindowDrainer}.
 */
final class TempoTraces {
  private static final Logger log = LoggerFactory.getLogger(TempoTraces.class);

  private final String source;
  private final String baseUrl;
  private final ServiceFilter filter;
  private final TelemetryHttp http;
  private final WindowDrainer drainer;

  TempoTraces(String source, String baseUrl, ServiceFilter filter, TelemetryHttp http) {
    this.source = source;
    this.baseUrl = baseUrl;
    this.filter = filter;
    this.http = http;
    this.drainer = new WindowDrainer(source + "/tempo", Duration.ofSeconds(1), Duration.ofHours(12));
  }

  Batch fetch(Instant from, Instant to, int pageSize, int limit) throws TelemetryException {
    return drainer.drain(from, to, pageSize, limit, this::search);
  }

  /** The TraceQL query for error spans of the filtered services. */
  String traceQl() {
    if (filter.isAll()) {
      return "{ status = error }";
    }
    String services =
        filter.sorted().stream()
            .map(s -> "resource.service.name = \"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
            .collect(Collectors.joining(" || "));
    return filter.services().size() == 1 ? "{ " + services + " && status = error }" : "{ (" + services + ") && status = error }";
  }

  private WindowDrainer.Found search(Instant from, Instant to, int max) throws TelemetryException {
    String start = Long.toString(from.getEpochSecond());
    String end = Long.toString(to.getEpochSecond() + (to.getNano() > 0 ? 1 : 0));
    URI uri =
        TelemetryHttp.uri(
            baseUrl, "/api/search", TelemetryHttp.params("q", traceQl(), "start", start, "end", end, "limit", Integer.toString(max)));
    JsonNode answer = http.getJson(uri);
    JsonNode traces = answer.get("traces");
    if (traces == null || !(traces.isArray() || traces.isNull())) {
      throw new TelemetryException(Kind.MALFORMED, source + ": Tempo search answered without a traces array");
    }
    SpanErrors.Collected out = new SpanErrors.Collected();
    for (JsonNode t : Json.elements(traces, "traces")) {
      String traceId;
      try {
        traceId = Ids.traceId(Json.text(t, "traceID")); // trimmed of leading zeros unless padded
        if (traceId.isEmpty()) {
          throw new IllegalArgumentException("search result without traceID");
        }
      } catch (IllegalArgumentException e) {
        out.skipped++;
        continue;
      }
      readTrace(traceId, start, end, out);
    }
    return new WindowDrainer.Found(out, traces.size() >= max);
  }

  private void readTrace(String traceId, String start, String end, SpanErrors.Collected out) throws TelemetryException {
    URI uri = TelemetryHttp.uri(baseUrl, "/api/traces/" + traceId, TelemetryHttp.params("start", start, "end", end));
    TelemetryHttp.Response r = http.get(uri, Map.of(), Set.of(404));
    if (r.status() == 404) {
      log.debug("{}: trace {} found by search is gone", source, traceId);
      return;
    }
    JsonNode trace = http.parse(uri, r.body());
    JsonNode resourceSpans = trace.has("batches") ? trace.get("batches") : trace.path("trace").get("resourceSpans");
    if (resourceSpans == null) {
      resourceSpans = trace.get("resourceSpans");
    }
    try {
      OtlpTraces.read(source, resourceSpans, filter, out);
    } catch (IllegalArgumentException e) {
      out.skipped++; // the trace as a whole is not OTLP-shaped: one bad row
      log.debug("{}: skipping trace {}: {}", source, traceId, e.getMessage());
    }
  }
}
