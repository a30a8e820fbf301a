package dev.vigil.rounds.telemetry;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetrySource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Grafana stack: error spans from Tempo ({@link TempoTraces}) and error logs with their
 * trace ids from Loki ({@link LokiLogs}), either of them optional.
 *
 * <p>URLs: {@code GRAFANA_TEMPO_URL} and {@code GRAFANA_LOKI_URL} are the bases of each API (for
 * Grafana Cloud, the stack's Tempo and Loki URLs, e.g. {@code https://tempo-<region>.grafana.net/tempo}).
 * Alternatively {@code GRAFANA_STACK_URL} names a Grafana instance and both are reached through
 * its data-source proxy: Tempo at {@code <stack>/api/datasources/proxy/uid/<tempo-datasource-uid>}
 * and Loki at {@code <stack>/api/datasources/proxy/uid/<loki-datasource-uid>} (uids default to
 * {@code tempo} and {@code loki}), authenticated with a Grafana service-account token.
 *
 * <p>Auth: {@code GRAFANA_API_KEY} alone is sent as {@code Authorization: Bearer <key>}; with
 * {@code GRAFANA_USER} it is the password of HTTP basic auth (Grafana Cloud: the instance id as
 * user, an access-policy token as password). {@code GRAFANA_ORG_ID} is sent as
 * {@code X-Scope-OrgID} for multi-tenant Tempo and Loki.
 *
 * <p>The event limit is shared: Tempo reads first with half of it (all of it without Loki), Loki
 * then reads up to where Tempo stopped with what is left, so everything before the returned
 * backlog point has been read from both.
 */
final class GrafanaStackSource implements TelemetrySource {
  private final TempoTraces tempo;
  private final LokiLogs loki;

  /** Either may be null when not configured, not both. */
  GrafanaStackSource(TempoTraces tempo, LokiLogs loki) {
    if (tempo == null && loki == null) {
      throw new IllegalArgumentException("neither Tempo nor Loki");
    }
    this.tempo = tempo;
    this.loki = loki;
  }

  @Override
  public String name() {
    return "grafana_stack";
  }

  @Override
  public Batch fetch(Instant from, Instant to, int pageSize, int limit) throws TelemetryException {
    if (tempo == null) {
      return loki.fetch(from, to, pageSize, limit);
    }
    if (loki == null) {
      return tempo.fetch(from, to, pageSize, limit);
    }
    Batch traces = tempo.fetch(from, to, pageSize, Math.max(1, limit / 2));
    Instant tracesEnd = traces.backlogFrom() == null ? to : traces.backlogFrom();
    Batch logs = loki.fetch(from, tracesEnd, pageSize, Math.max(1, limit - traces.events().size()));
    List<ErrorEvent> events = new ArrayList<>(traces.events());
    events.addAll(logs.events());
    Instant backlog = logs.backlogFrom() != null ? logs.backlogFrom() : traces.backlogFrom();
    return new Batch(events, traces.skippedRows() + logs.skippedRows(), backlog);
  }
}
