package dev.vigil.rounds.otlp;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;

/** A receiver on ephemeral loopback ports with a recording sink, for one test. */
final class ReceiverFixture implements AutoCloseable {
  final RecordingSink sink = new RecordingSink();
  final OtlpMetrics metrics = new OtlpMetrics();
  final RecentTelemetry buffer;
  final OtlpReceiver receiver;

  ReceiverFixture() throws IOException {
    this(OtlpSettings.ephemeral());
  }

  ReceiverFixture(OtlpSettings settings) throws IOException {
    buffer = new RecentTelemetry(1000, 1000, Duration.ofMinutes(5), Clock.systemUTC());
    receiver = OtlpReceiver.start(settings, sink, buffer, metrics, Clock.systemUTC());
  }

  URI http(String path) {
    return receiver.endpoints().http().resolve(path);
  }

  URI grpc() {
    return receiver.endpoints().grpc();
  }

  @Override
  public void close() {
    receiver.close();
  }
}
