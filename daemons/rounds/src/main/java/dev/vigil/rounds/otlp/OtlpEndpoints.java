package dev.vigil.rounds.otlp;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a running OTLP receiver listens.
 *
 * @param http the OTLP/HTTP base URL (exporters append {@code /v1/traces}, {@code /v1/logs}), such
 *     as {@code http://127.0.0.1:4318}
 * @param grpc the OTLP/gRPC endpoint, such as {@code http://127.0.0.1:4317}; null when gRPC is off
 */
public record OtlpEndpoints(URI http, URI grpc) {
  /** Requires the HTTP URL. */
  public OtlpEndpoints {
    Objects.requireNonNull(http, "http");
  }

  /** The gRPC endpoint, if gRPC is served. */
  public Optional<URI> grpcEndpoint() {
    return Optional.ofNullable(grpc);
  }

  @Override
  public String toString() {
    return "OTLP/HTTP " + http + (grpc == null ? "" : ", OTLP/gRPC " + grpc);
  }
}
