package dev.vigil.rounds.poller;

import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.HealthStatus;
import dev.vigil.core.IdleDaemon;
import java.util.Map;

/**
 * What {@code TELEMETRY_POLLER} is when {@code TELEMETRY_BACKEND} is {@code otlp}: applications
 * push to the built-in OTLP receiver, which feeds the same ingest pipeline, so there is nothing to
 * poll. The daemon still exists, so profiles that name it run unchanged whatever the backend, and
 * its health says why it is idle.
 */
public final class PushOnlyPoller extends IdleDaemon {
  /** An idle poller. */
  public PushOnlyPoller() {}

  @Override
  public HealthCheckResult healthCheck() {
    return HealthCheckResult.of(
        HealthStatus.HEALTHY,
        "TELEMETRY_BACKEND is otlp: events are pushed to the OTLP receiver, nothing to poll",
        Map.of("source", "otlp", "polling", false));
  }
}
