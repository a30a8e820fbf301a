package dev.vigil.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** One daemon of {@code /status} as one line: {@code AUTO_SYNC: RUNNING (degraded - 2 sync errors), ...}. */
final class StatusLine {
  private StatusLine() {}

  static String of(JsonNode d) {
    StringBuilder line = new StringBuilder();
    line.append(d.path("name").asText()).append(": ").append(d.path("state").asText());
    JsonNode health = d.path("health");
    String status = health.path("status").asText("unknown");
    String message = health.path("message").asText("");
    if (!status.equals("unknown") || !message.isEmpty()) {
      line.append(" (").append(status);
      if (!message.isEmpty()) {
        line.append(" - ").append(message);
      }
      line.append(')');
    }
    line.append(", restarts ").append(d.path("restarts").asInt());
    long up = d.path("uptime_seconds").asLong(0);
    if (up > 0 || "RUNNING".equals(d.path("state").asText())) {
      line.append(", up ").append(human(up));
    }
    if (!d.path("next_restart_at").isNull() && !d.path("next_restart_at").isMissingNode()) {
      line.append(", next restart at ").append(d.path("next_restart_at").asText());
    }
    JsonNode error = d.path("last_error");
    if (error.isObject()) {
      line.append(", last error: ").append(error.path("type").asText());
      String m = error.path("message").asText("");
      if (!m.isEmpty()) {
        line.append(": ").append(m);
      }
    }
    return line.toString();
  }

  static String human(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m" + seconds % 60 + "s";
    }
    if (seconds < 86_400) {
      return seconds / 3600 + "h" + (seconds % 3600) / 60 + "m";
    }
    return seconds / 86_400 + "d" + (seconds % 86_400) / 3600 + "h";
  }
}
