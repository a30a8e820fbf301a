package dev.vigil.rounds.otlp;

import dev.vigil.rounds.otlp.RecentTelemetry.RecentLog;
import dev.vigil.rounds.otlp.RecentTelemetry.RecentSpan;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders what {@link RecentTelemetry} holds of one trace as text for an investigation: the span
 * tree (one line per span, indented by depth, with the error spans' attributes and exception
 * events) and the trace's log lines. Bounded: the output stops, saying so, at the given size.
 */
public final class TraceSummary {
  private TraceSummary() {}

  /** The span tree of {@code spans} (one trace), at most {@code maxChars}; empty when there are none. */
  public static String spanTree(List<RecentSpan> spans, int maxChars) {
    if (spans.isEmpty()) {
      return "";
    }
    Map<String, List<RecentSpan>> children = new HashMap<>();
    Set<String> ids = new HashSet<>();
    for (RecentSpan s : spans) {
      ids.add(s.spanId());
    }
    List<RecentSpan> roots = new ArrayList<>();
    for (RecentSpan s : spans) {
      String parent = s.parentSpanId();
      // a span whose parent was not received is shown as a root, so nothing is dropped
      if (parent.isEmpty() || !ids.contains(parent)) {
        roots.add(s);
      } else {
        children.computeIfAbsent(parent, k -> new ArrayList<>()).add(s);
      }
    }
    Comparator<RecentSpan> byStart = Comparator.comparingLong(s -> s.span().getStartTimeUnixNano());
    roots.sort(byStart);
    children.values().forEach(l -> l.sort(byStart));
    StringBuilder out = new StringBuilder();
    Set<String> visited = new HashSet<>();
    for (RecentSpan root : roots) {
      if (!append(out, root, 0, children, visited, byStart, maxChars)) {
        out.append("... (trace truncated)\n");
        break;
      }
    }
    return out.toString();
  }

  private static boolean append(
      StringBuilder out, RecentSpan s, int depth, Map<String, List<RecentSpan>> children,
      Set<String> visited, Comparator<RecentSpan> byStart, int maxChars) {
    if (!visited.add(s.spanId())) {
      return true; // a cycle of bad parent ids
    }
    Span span = s.span();
    StringBuilder line = new StringBuilder("  ".repeat(depth));
    line.append(span.getName()).append(" [").append(s.service()).append(']');
    long durNs = span.getEndTimeUnixNano() - span.getStartTimeUnixNano();
    if (durNs > 0) {
      line.append(' ').append(durNs / 1_000_000).append(" ms");
    }
    boolean error = span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
    if (error) {
      line.append(" ERROR");
      if (!span.getStatus().getMessage().isEmpty()) {
        line.append(": ").append(span.getStatus().getMessage());
      }
      line.append('\n');
      for (KeyValue kv : span.getAttributesList()) {
        line.append("  ".repeat(depth + 1)).append("- ").append(kv.getKey()).append(" = ")
            .append(OtlpValues.text(kv.getValue())).append('\n');
      }
      for (Span.Event ev : span.getEventsList()) {
        if (ev.getName().equals("exception")) {
          String type = OtlpValues.attribute(ev.getAttributesList(), "exception.type");
          String msg = OtlpValues.attribute(ev.getAttributesList(), "exception.message");
          line.append("  ".repeat(depth + 1)).append("- exception ").append(type == null ? "" : type)
              .append(msg == null ? "" : ": " + msg).append('\n');
        }
      }
    } else {
      line.append('\n');
    }
    if (out.length() + line.length() > maxChars) {
      return false;
    }
    out.append(line);
    for (RecentSpan child : children.getOrDefault(s.spanId(), List.of())) {
      if (!append(out, child, depth + 1, children, visited, byStart, maxChars)) {
        return false;
      }
    }
    return true;
  }

  /** One line per log record ({@code time severity [service] body}), at most {@code maxLines}. */
  public static List<String> logLines(List<RecentLog> logs, int maxLines) {
    List<String> lines = new ArrayList<>();
    for (RecentLog l : logs) {
      if (lines.size() >= maxLines) {
        lines.add("... (" + (logs.size() - maxLines) + " more log records)");
        break;
      }
      Instant t = OtlpValues.time(l.record().getTimeUnixNano());
      if (t == null) {
        t = OtlpValues.time(l.record().getObservedTimeUnixNano());
      }
      String severity = l.record().getSeverityText().isEmpty()
          ? l.record().getSeverityNumber().name().replace("SEVERITY_NUMBER_", "")
          : l.record().getSeverityText();
      lines.add((t == null ? "-" : t.toString()) + " " + severity + " [" + l.service() + "] "
          + OtlpValues.text(l.record().getBody()).replace('\n', ' '));
    }
    return lines;
  }
}
