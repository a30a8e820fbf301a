package dev.vigil.rounds.otlp;

import com.google.protobuf.ByteString;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.otlp.RecentTelemetry.RecentLog;
import dev.vigil.rounds.otlp.RecentTelemetry.RecentSpan;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads error events out of OTLP requests the OpenTelemetry way: exception span events ({@code
 * exception.type}, {@code exception.message}, {@code exception.stacktrace}); spans with error
 * status and no exception event; log records of severity ERROR or FATAL (or, when the number is
 * unset, an error-like severity text) and log records carrying exception attributes. The service
 * is the resource's {@code service.name}, never the instrumentation scope.
 *
 * <p>Records that cannot be used are rejected and counted, the rest of the request is read: a span
 * whose trace id is not 16 non-zero bytes or whose span id is not 8 non-zero bytes, and a log
 * record whose trace or span id (optional there) has the wrong length.
 *
 * <p>Stateless; one pass over the request, attributes are only turned into strings for errors.
 */
final class ErrorExtractor {
  static final String SOURCE = "otlp";

  /** Span and resource attributes copied into an error event's attributes when present. */
  private static final List<String> SPAN_KEYS =
      List.of(
          "http.route",
          "http.request.method",
          "http.method",
          "http.response.status_code",
          "http.status_code",
          "rpc.system",
          "rpc.service",
          "rpc.method",
          "db.system",
          "db.system.name",
          "messaging.system",
          "code.function",
          "code.namespace",
          "code.function.name");

  private static final List<String> RESOURCE_KEYS =
      List.of(
          "service.version",
          "service.namespace",
          "service.instance.id",
          "deployment.environment",
          "deployment.environment.name",
          "host.name");

  private ErrorExtractor() {}

  /**
   * What one request held.
   *
   * @param events the error events
   * @param received spans or log records in the request
   * @param rejected of those, the unusable ones
   * @param problem why the first rejected one was rejected, or null
   * @param traceIds trace ids of the records to buffer, parallel to {@code kept}
   * @param kept the records to buffer (empty when not asked for)
   */
  record Extracted<T>(
      List<ErrorEvent> events,
      int received,
      int rejected,
      String problem,
      List<ByteString> traceIds,
      List<T> kept) {}

  /** The error events of a trace export; {@code keep} also collects the usable spans. */
  static Extracted<RecentSpan> traces(ExportTraceServiceRequest request, Instant now, boolean keep) {
    List<ErrorEvent> events = new ArrayList<>();
    List<ByteString> traceIds = keep ? new ArrayList<>() : List.of();
    List<RecentSpan> kept = keep ? new ArrayList<>() : List.of();
    int received = 0;
    int rejected = 0;
    String problem = null;
    List<ResourceSpans> resources = request.getResourceSpansList();
    for (int r = 0; r < resources.size(); r++) {
      ResourceSpans rs = resources.get(r);
      Resource resource = rs.getResource();
      String service = serviceName(resource);
      Map<String, String> resourceAttributes = null; // read once per resource, only on error
      List<ScopeSpans> scopes = rs.getScopeSpansList();
      for (int s = 0; s < scopes.size(); s++) {
        ScopeSpans ss = scopes.get(s);
        List<Span> spans = ss.getSpansList();
        for (int i = 0; i < spans.size(); i++) {
          Span span = spans.get(i);
          received++;
          String why = invalidSpanIds(span);
          if (why != null) {
            rejected++;
            if (problem == null) {
              problem = "resourceSpans[" + r + "].scopeSpans[" + s + "].spans[" + i + "]: " + why;
            }
            continue;
          }
          if (keep) {
            traceIds.add(span.getTraceId());
            kept.add(new RecentSpan(nameOr(service), resource, ss.getScope(), span, now));
          }
          if (!mayBeError(span)) {
            continue;
          }
          if (resourceAttributes == null) {
            resourceAttributes = pick(resource.getAttributesList(), RESOURCE_KEYS, new HashMap<>());
          }
          spanErrors(span, service, resourceAttributes, now, events);
        }
      }
    }
    return new Extracted<>(events, received, rejected, problem, traceIds, kept);
  }

  /** The error events of a logs export; {@code keep} also collects the records with a trace id. */
  static Extracted<RecentLog> logs(ExportLogsServiceRequest request, Instant now, boolean keep) {
    List<ErrorEvent> events = new ArrayList<>();
    List<ByteString> traceIds = keep ? new ArrayList<>() : List.of();
    List<RecentLog> kept = keep ? new ArrayList<>() : List.of();
    int received = 0;
    int rejected = 0;
    String problem = null;
    List<ResourceLogs> resources = request.getResourceLogsList();
    for (int r = 0; r < resources.size(); r++) {
      ResourceLogs rl = resources.get(r);
      Resource resource = rl.getResource();
      String service = serviceName(resource);
      Map<String, String> resourceAttributes = null;
      List<ScopeLogs> scopes = rl.getScopeLogsList();
      for (int s = 0; s < scopes.size(); s++) {
        ScopeLogs sl = scopes.get(s);
        InstrumentationScope scope = sl.getScope();
        List<LogRecord> records = sl.getLogRecordsList();
        for (int i = 0; i < records.size(); i++) {
          LogRecord record = records.get(i);
          received++;
          String why = invalidLogIds(record);
          if (why != null) {
            rejected++;
            if (problem == null) {
              problem = "resourceLogs[" + r + "].scopeLogs[" + s + "].logRecords[" + i + "]: " + why;
            }
            continue;
          }
          if (keep && hasTrace(record.getTraceId())) {
            traceIds.add(record.getTraceId());
            kept.add(new RecentLog(nameOr(service), resource, scope, record, now));
          }
          if (resourceAttributes == null) {
            resourceAttributes = pick(resource.getAttributesList(), RESOURCE_KEYS, new HashMap<>());
          }
          ErrorEvent event = logError(record, service, resourceAttributes, now);
          if (event != null) {
            events.add(event);
          }
        }
      }
    }
    return new Extracted<>(events, received, rejected, problem, traceIds, kept);
  }

  // ---------------------------------------------------------------------------------- spans

  private static boolean mayBeError(Span span) {
    if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      return true;
    }
    List<Span.Event> events = span.getEventsList();
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).getName().equals("exception")) {
        return true;
      }
    }
    return false;
  }

  private static void spanErrors(
      Span span,
      String service,
      Map<String, String> resourceAttributes,
      Instant now,
      List<ErrorEvent> out) {
    String traceId = OtlpValues.hex(span.getTraceId());
    String spanId = OtlpValues.hex(span.getSpanId());
    Map<String, String> attributes = pick(span.getAttributesList(), SPAN_KEYS, new HashMap<>(resourceAttributes));
    attributes.put("span.name", span.getName());
    Instant spanTime = firstTime(span.getEndTimeUnixNano(), span.getStartTimeUnixNano(), now);
    String statusMessage = span.getStatus().getMessage();
    boolean found = false;
    for (Span.Event event : span.getEventsList()) {
      if (!event.getName().equals("exception")) {
        continue;
      }
      found = true;
      List<KeyValue> a = event.getAttributesList();
      String message = OtlpValues.attribute(a, "exception.message");
      out.add(
          new ErrorEvent(
              SOURCE,
              service,
              OtlpValues.attribute(a, "exception.type"),
              message != null ? message : statusMessage,
              OtlpValues.attribute(a, "exception.stacktrace"),
              firstTime(event.getTimeUnixNano(), 0, spanTime),
              traceId,
              spanId,
              Severity.ERROR,
              attributes));
    }
    if (!found) {
      // error status without an exception event: some instrumentations put the exception's
      // attributes on the span itself, the semantic conventions name the class in error.type
      List<KeyValue> a = span.getAttributesList();
      String type = OtlpValues.attribute(a, "exception.type");
      if (type == null) {
        type = OtlpValues.attribute(a, "error.type");
      }
      String message = statusMessage;
      if (message.isEmpty()) {
        String fromAttribute = OtlpValues.attribute(a, "exception.message");
        message = fromAttribute != null ? fromAttribute : "";
      }
      out.add(
          new ErrorEvent(
              SOURCE,
              service,
              type,
              message,
              OtlpValues.attribute(a, "exception.stacktrace"),
              spanTime,
              traceId,
              spanId,
              Severity.ERROR,
              attributes));
    }
  }

  private static String invalidSpanIds(Span span) {
    ByteString trace = span.getTraceId();
    if (trace.size() != 16) {
      return "trace id has " + trace.size() + " bytes, expected 16";
    }
    if (OtlpValues.allZero(trace)) {
      return "trace id is all zeros";
    }
    ByteString id = span.getSpanId();
    if (id.size() != 8) {
      return "span id has " + id.size() + " bytes, expected 8";
    }
    if (OtlpValues.allZero(id)) {
      return "span id is all zeros";
    }
    return null;
  }

  // ----------------------------------------------------------------------------------- logs

  private static ErrorEvent logError(
      LogRecord record, String service, Map<String, String> resourceAttributes, Instant now) {
    Severity severity = severity(record);
    List<KeyValue> a = record.getAttributesList();
    String type = null;
    String message = null;
    String stack = null;
    for (int i = 0, n = a.size(); i < n; i++) {
      String key = a.get(i).getKey();
      if (key.startsWith("exception.")) {
        switch (key) {
          case "exception.type" -> type = OtlpValues.text(a.get(i).getValue());
          case "exception.message" -> message = OtlpValues.text(a.get(i).getValue());
          case "exception.stacktrace" -> stack = OtlpValues.text(a.get(i).getValue());
          default -> {}
        }
      }
    }
    if (severity == null) {
      if (type == null && message == null) {
        return null;
      }
      severity = Severity.ERROR; // an exception logged below ERROR is still an error
    }
    Map<String, String> attributes = pick(a, SPAN_KEYS, new HashMap<>(resourceAttributes));
    String body = record.hasBody() ? OtlpValues.text(record.getBody()) : "";
    if (message == null) {
      message = body;
    } else if (!body.isEmpty() && !body.equals(message)) {
      attributes.put("log.body", body);
    }
    if (!record.getSeverityText().isEmpty()) {
      attributes.put("log.severity", record.getSeverityText());
    }
    ByteString traceId = record.getTraceId();
    ByteString spanId = record.getSpanId();
    return new ErrorEvent(
        SOURCE,
        service,
        type,
        message,
        stack,
        firstTime(record.getTimeUnixNano(), record.getObservedTimeUnixNano(), now),
        hasTrace(traceId) ? OtlpValues.hex(traceId) : "",
        hasTrace(traceId) && !OtlpValues.allZero(spanId) ? OtlpValues.hex(spanId) : "",
        severity,
        attributes);
  }

  /** ERROR or FATAL by severity number; by text only when the number is unset; else null. */
  static Severity severity(LogRecord record) {
    int number = record.getSeverityNumberValue();
    if (number >= 21) {
      return Severity.FATAL;
    }
    if (number >= 17) {
      return Severity.ERROR;
    }
    if (number != 0) {
      return null;
    }
    return switch (record.getSeverityText().strip().toUpperCase(Locale.ROOT)) {
      case "ERROR", "ERR", "SEVERE" -> Severity.ERROR;
      case "FATAL", "CRITICAL", "CRIT", "ALERT", "EMERG", "EMERGENCY", "PANIC" -> Severity.FATAL;
      default -> null;
    };
  }

  private static String invalidLogIds(LogRecord record) {
    int trace = record.getTraceId().size();
    if (trace != 0 && trace != 16) {
      return "trace id has " + trace + " bytes, expected 16 or none";
    }
    int span = record.getSpanId().size();
    if (span != 0 && span != 8) {
      return "span id has " + span + " bytes, expected 8 or none";
    }
    return null;
  }

  private static boolean hasTrace(ByteString traceId) {
    return traceId.size() == 16 && !OtlpValues.allZero(traceId);
  }

  // --------------------------------------------------------------------------------- common

  private static String serviceName(Resource resource) {
    String name = OtlpValues.attribute(resource.getAttributesList(), "service.name");
    return name == null || name.isBlank() ? null : name;
  }

  private static String nameOr(String service) {
    return service == null ? "unknown_service" : service;
  }

  private static Map<String, String> pick(
      List<KeyValue> attributes, List<String> keys, Map<String, String> into) {
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      if (keys.contains(kv.getKey())) {
        into.put(kv.getKey(), OtlpValues.text(kv.getValue()));
      }
    }
    return into;
  }

  private static Instant firstTime(long nanos, long fallbackNanos, Instant otherwise) {
    Instant t = OtlpValues.time(nanos);
    if (t == null) {
      t = OtlpValues.time(fallbackNanos);
    }
    return t != null ? t : otherwise;
  }
}
