package dev.vigil.rounds.otlp;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The OTLP receiver's counters, kept across restarts of the receiver (make one per node and hand
 * it to every {@link OtlpReceiverDaemon#spec spec}), and exported as Prometheus metrics:
 *
 * <ul>
 *   <li>{@code vigil_otlp_requests_total{transport, signal, outcome}}: requests by outcome ({@code
 *       ok}, {@code partial}, {@code bad_request}, {@code too_large}, {@code unsupported}, {@code
 *       unavailable} when the event store failed)
 *   <li>{@code vigil_otlp_items_received_total{signal}} and {@code
 *       vigil_otlp_items_rejected_total{signal}}: spans and log records, and the unusable ones
 *   <li>{@code vigil_otlp_error_events_total{signal}}: error events extracted and committed
 *   <li>{@code vigil_otlp_request_bytes_total{transport}}: request bytes after decompression
 *   <li>{@code vigil_otlp_buffered_items{signal}}: spans and log records held in the recent
 *       telemetry buffer
 * </ul>
 *
 * <p>Thread-safe; recording never blocks.
 */
public final class OtlpMetrics implements MultiCollector {
  /** How a request came in. */
  enum Transport {
    HTTP,
    GRPC
  }

  /** Which OTLP signal a request carried. */
  enum Signal {
    TRACES,
    LOGS,
    METRICS
  }

  /** How a request ended. */
  enum Outcome {
    OK,
    PARTIAL,
    BAD_REQUEST,
    TOO_LARGE,
    UNSUPPORTED,
    UNAVAILABLE
  }

  /** The last failure of the event store, for the health check. */
  record SinkFailure(Instant at, String message) {}

  private final LongAdder[][][] requests =
      new LongAdder[Transport.values().length][Signal.values().length][Outcome.values().length];
  private final LongAdder[] received = adders(Signal.values().length);
  private final LongAdder[] rejected = adders(Signal.values().length);
  private final LongAdder[] events = adders(Signal.values().length);
  private final LongAdder[] bytes = adders(Transport.values().length);
  private final AtomicReference<SinkFailure> lastSinkFailure = new AtomicReference<>();
  private final AtomicReference<Instant> lastSinkSuccess = new AtomicReference<>();
  private volatile RecentTelemetry buffer;

  /** Counters at zero. */
  public OtlpMetrics() {
    for (LongAdder[][] bySignal : requests) {
      for (int s = 0; s < bySignal.length; s++) {
        bySignal[s] = adders(Outcome.values().length);
      }
    }
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  void request(Transport t, Signal s, Outcome o, long bodyBytes) {
    requests[t.ordinal()][s.ordinal()][o.ordinal()].increment();
    if (bodyBytes > 0) {
      bytes[t.ordinal()].add(bodyBytes);
    }
  }

  void items(Signal s, int receivedItems, int rejectedItems, int errorEvents) {
    received[s.ordinal()].add(receivedItems);
    rejected[s.ordinal()].add(rejectedItems);
    events[s.ordinal()].add(errorEvents);
  }

  void sinkSucceeded(Instant at) {
    lastSinkSuccess.set(at);
  }

  void sinkFailed(Instant at, String message) {
    lastSinkFailure.set(new SinkFailure(at, message));
  }

  /** The store's last failure if no success came after it, else null. */
  SinkFailure currentSinkFailure() {
    SinkFailure f = lastSinkFailure.get();
    Instant ok = lastSinkSuccess.get();
    return f == null || (ok != null && !ok.isBefore(f.at())) ? null : f;
  }

  void watch(RecentTelemetry telemetry) {
    this.buffer = Objects.requireNonNull(telemetry, "telemetry");
  }

  long requestCount() {
    long n = 0;
    for (LongAdder[][] bySignal : requests) {
      for (LongAdder[] byOutcome : bySignal) {
        for (LongAdder a : byOutcome) {
          n += a.sum();
        }
      }
    }
    return n;
  }

  long requestCount(Outcome outcome) {
    long n = 0;
    for (LongAdder[][] bySignal : requests) {
      for (LongAdder[] byOutcome : bySignal) {
        n += byOutcome[outcome.ordinal()].sum();
      }
    }
    return n;
  }

  long errorEventCount() {
    long n = 0;
    for (LongAdder a : events) {
      n += a.sum();
    }
    return n;
  }

  @Override
  public MetricSnapshots collect() {
    var requestCounter =
        CounterSnapshot.builder()
            .name("vigil_otlp_requests")
            .help("OTLP export requests by transport, signal and outcome.");
    for (Transport t : Transport.values()) {
      for (Signal s : Signal.values()) {
        for (Outcome o : Outcome.values()) {
          long v = requests[t.ordinal()][s.ordinal()][o.ordinal()].sum();
          requestCounter.dataPoint(
              counter(v, Labels.of("transport", name(t), "signal", name(s), "outcome", name(o))));
        }
      }
    }
    var receivedCounter =
        CounterSnapshot.builder()
            .name("vigil_otlp_items_received")
            .help("Spans and log records received.");
    var rejectedCounter =
        CounterSnapshot.builder()
            .name("vigil_otlp_items_rejected")
            .help("Spans and log records rejected as unusable (reported as partial success).");
    var eventCounter =
        CounterSnapshot.builder()
            .name("vigil_otlp_error_events")
            .help("Error events extracted from OTLP requests and committed to the store.");
    for (Signal s : new Signal[] {Signal.TRACES, Signal.LOGS}) {
      Labels l = Labels.of("signal", name(s));
      receivedCounter.dataPoint(counter(received[s.ordinal()].sum(), l));
      rejectedCounter.dataPoint(counter(rejected[s.ordinal()].sum(), l));
      eventCounter.dataPoint(counter(events[s.ordinal()].sum(), l));
    }
    var bytesCounter =
        CounterSnapshot.builder()
            .name("vigil_otlp_request_bytes")
            .help("OTLP request body bytes after decompression.");
    for (Transport t : Transport.values()) {
      bytesCounter.dataPoint(counter(bytes[t.ordinal()].sum(), Labels.of("transport", name(t))));
    }
    MetricSnapshots.Builder all =
        MetricSnapshots.builder()
            .metricSnapshot(requestCounter.build())
            .metricSnapshot(receivedCounter.build())
            .metricSnapshot(rejectedCounter.build())
            .metricSnapshot(eventCounter.build())
            .metricSnapshot(bytesCounter.build());
    RecentTelemetry b = buffer;
    if (b != null) {
      all.metricSnapshot(
          GaugeSnapshot.builder()
              .name("vigil_otlp_buffered_items")
              .help("Spans and log records held in the recent telemetry buffer.")
              .dataPoint(gauge(b.spanCount(), Labels.of("signal", "traces")))
              .dataPoint(gauge(b.logCount(), Labels.of("signal", "logs")))
              .build());
    }
    return all.build();
  }

  private static CounterDataPointSnapshot counter(long value, Labels labels) {
    return CounterDataPointSnapshot.builder().value(value).labels(labels).build();
  }

  private static GaugeDataPointSnapshot gauge(long value, Labels labels) {
    return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
  }

  static String name(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
