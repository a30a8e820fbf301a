package dev.vigil.rounds.telemetry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/** Config trees as the launcher would merge them, with short timeouts for tests. */
final class TestConfigs {
  /** The story's time: the window of wire-formats.md ends at 09:30:00Z. */
  static final Instant NOW = Instant.parse("2026-03-14T09:30:00Z");

  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private TestConfigs() {}

  /** {@code vigil.rounds.telemetry.<key> = value} pairs over test HTTP settings. */
  static Config telemetry(String... keyValues) {
    Map<String, Object> m = new HashMap<>();
    // generous: both cores may be busy; the timeout tests set a short one themselves
    m.put("vigil.rounds.telemetry.http.request-timeout", "10s");
    m.put("vigil.rounds.telemetry.http.max-attempts", 3);
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put("vigil.rounds.telemetry." + keyValues[i], keyValues[i + 1]);
    }
    return ConfigFactory.parseMap(m);
  }
}
