/**
 * The built-in OTLP receiver ({@code OTLP_RECEIVER}): OTLP/HTTP (protobuf and JSON, gzip) and
 * OTLP/gRPC listeners that read error events the OpenTelemetry way and commit them through the
 * {@link dev.vigil.rounds.EventSink} before acknowledging, plus a bounded buffer of recent spans
 * and logs ({@link dev.vigil.rounds.otlp.RecentTelemetry}) for building trace trees. Entry points:
 * {@link dev.vigil.rounds.otlp.OtlpSettings#from}, {@link dev.vigil.rounds.otlp.OtlpReceiverDaemon#spec},
 * {@link dev.vigil.rounds.otlp.OtlpMetrics}.
 */
package dev.vigil.rounds.otlp;
