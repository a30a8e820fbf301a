/**
 * Pull telemetry sources: clients for SigNoz, Jaeger, Grafana Tempo and Loki, and Zipkin that
 * read error events from a time window, each speaking its backend's real HTTP API. Built by
 * {@link dev.vigil.rounds.telemetry.TelemetrySources}; everything else here is package-private.
 */
package dev.vigil.rounds.telemetry;
