package dev.vigil.rounds.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.vigil.core.testkit.ManualScheduler;
import dev.vigil.rounds.otlp.RecentTelemetry.RecentLog;
import dev.vigil.rounds.otlp.RecentTelemetry.RecentSpan;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RecentTelemetryTest {
  private final ManualScheduler time = new ManualScheduler();

  @Test
  void spansOfATraceComeBackInArrivalOrderAndOtherTracesStayApart() {
    RecentTelemetry buffer = new RecentTelemetry(100, 100, Duration.ofMinutes(5), time.clock());

    add(buffer, span(1, 1), span(2, 1), span(1, 2));
    add(buffer, span(1, 3));

    assertThat(buffer.spans(hex(1))).extracting(s -> s.span().getName()).containsExactly("1/1", "1/2", "1/3");
    assertThat(buffer.spans(hex(2))).extracting(s -> s.span().getName()).containsExactly("2/1");
    assertThat(buffer.spans(hex(3))).isEmpty();
    assertThat(buffer.spanCount()).isEqualTo(4);
  }

  @Test
  void traceIdsAreReadInAnyCaseAndLeftPadded() {
    RecentTelemetry buffer = new RecentTelemetry(10, 10, Duration.ofMinutes(5), time.clock());
    add(buffer, span(0xabc, 1));

    assertThat(buffer.spans("ABC")).hasSize(1);
    assertThat(buffer.spans("00000000000000000000000000000ABC")).hasSize(1);
    assertThatThrownBy(() -> buffer.spans("xyz")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not hex");
  }

  @Test
  void whenFullTheOldestItemsGoFirstWhateverTheirTrace() {
    RecentTelemetry buffer = new RecentTelemetry(3, 3, Duration.ofMinutes(5), time.clock());

    add(buffer, span(1, 1), span(2, 1), span(1, 2));
    add(buffer, span(3, 1), span(1, 3));

    assertThat(buffer.spanCount()).isEqualTo(3);
    assertThat(buffer.spans(hex(1))).extracting(s -> s.span().getName()).containsExactly("1/2", "1/3");
    assertThat(buffer.spans(hex(2))).isEmpty();
    assertThat(buffer.spans(hex(3))).extracting(s -> s.span().getName()).containsExactly("3/1");
  }

  @Test
  void itemsAgeOutAfterMaxAge() {
    RecentTelemetry buffer = new RecentTelemetry(100, 100, Duration.ofMinutes(5), time.clock());
    add(buffer, span(1, 1));
    time.advance(Duration.ofMinutes(3));
    add(buffer, span(1, 2));

    time.advance(Duration.ofMinutes(2).plusMillis(1));

    assertThat(buffer.spans(hex(1))).extracting(s -> s.span().getName()).containsExactly("1/2");
    time.advance(Duration.ofMinutes(3));
    assertThat(buffer.spans(hex(1))).isEmpty();
    assertThat(buffer.spanCount()).isZero();
  }

  @Test
  void logsAreKeptApartFromSpansWithTheirOwnBound() {
    RecentTelemetry buffer = new RecentTelemetry(10, 2, Duration.ofMinutes(5), time.clock());
    add(buffer, span(1, 1));

    addLogs(buffer, log(1, "a"), log(1, "b"), log(1, "c"));

    assertThat(buffer.logs(hex(1))).extracting(l -> l.record().getBody().getStringValue()).containsExactly("b", "c");
    assertThat(buffer.spans(hex(1))).hasSize(1);
  }

  @Test
  void aBufferOfSizeZeroKeepsNothing() {
    RecentTelemetry buffer = new RecentTelemetry(0, 0, Duration.ofMinutes(5), time.clock());

    add(buffer, span(1, 1));

    assertThat(buffer.spans(hex(1))).isEmpty();
    assertThat(buffer.spanCount()).isZero();
  }

  @Test
  void concurrentWritersAndReadersKeepTheBoundAndEveryChainConsistent() throws Exception {
    RecentTelemetry buffer = new RecentTelemetry(1_000, 10, Duration.ofMinutes(5), time.clock());
    int writers = 4;
    int batches = 500;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      done.add(
          pool.submit(
              () -> {
                go.await();
                for (int b = 0; b < batches; b++) {
                  // ten spans per batch over seven traces per writer, so chains interleave
                  List<RecentSpan> batch = new ArrayList<>();
                  for (int i = 0; i < 10; i++) {
                    batch.add(span(writer * 100 + (b + i) % 7, b * 10 + i));
                  }
                  add(buffer, batch.toArray(RecentSpan[]::new));
                }
                return null;
              }));
    }
    done.add(
        pool.submit(
            () -> {
              go.await();
              for (int i = 0; i < 2_000; i++) {
                assertThat(buffer.spans(hex(i % 7))).hasSizeLessThanOrEqualTo(1_000);
              }
              return null;
            }));
    go.countDown();
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();

    assertThat(buffer.spanCount()).isEqualTo(1_000);
    int total = 0;
    for (int w = 0; w < writers; w++) {
      for (int t = 0; t < 7; t++) {
        String prefix = (w * 100 + t) + "/";
        List<RecentSpan> chain = buffer.spans(hex(w * 100 + t));
        assertThat(chain).allSatisfy(s -> assertThat(s.span().getName()).startsWith(prefix));
        total += chain.size();
      }
    }
    assertThat(total).isEqualTo(1_000);
  }

  // ------------------------------------------------------------------------------ helpers

  private static void add(RecentTelemetry buffer, RecentSpan... spans) {
    List<ByteString> ids = new ArrayList<>();
    for (RecentSpan s : spans) {
      ids.add(s.span().getTraceId());
    }
    buffer.addSpans(ids, List.of(spans));
  }

  private static void addLogs(RecentTelemetry buffer, RecentLog... logs) {
    List<ByteString> ids = new ArrayList<>();
    for (RecentLog l : logs) {
      ids.add(l.record().getTraceId());
    }
    buffer.addLogs(ids, List.of(logs));
  }

  private RecentSpan span(int trace, int n) {
    Span span =
        Span.newBuilder()
            .setTraceId(traceId(trace))
            .setSpanId(OtlpHttpProtocolTest.spanId(n))
            .setName(trace + "/" + n)
            .build();
    return new RecentSpan("svc", Resource.getDefaultInstance(), InstrumentationScope.getDefaultInstance(), span, time.now());
  }

  private RecentLog log(int trace, String body) {
    LogRecord record =
        LogRecord.newBuilder()
            .setTraceId(traceId(trace))
            .setBody(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(body))
            .build();
    return new RecentLog("svc", Resource.getDefaultInstance(), InstrumentationScope.getDefaultInstance(), record, time.now());
  }

  private static ByteString traceId(int n) {
    return ByteString.copyFrom(java.util.HexFormat.of().parseHex(hex(n)));
  }

  private static String hex(int n) {
    return String.format("%032x", n);
  }
}
