package dev.vigil.rounds.telemetry;

import static dev.vigil.rounds.telemetry.FakeBackend.Reply;
import static dev.vigil.rounds.telemetry.TestConfigs.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetryException.Kind;
import dev.vigil.rounds.TelemetrySource;
import dev.vigil.rounds.TelemetrySource.Batch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ZipkinSourceTest {
  static final Instant FROM = Instant.parse("2026-03-14T09:11:53Z");
  static final Instant TO = Instant.parse("2026-03-14T09:30:00Z");

  /** wire-formats 6: the failing child span with an exception annotation, and its OK parent. */
  static final String TRACE =
      """
      [[{"traceId":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","id":"0c9d8e7f6a5b4c3d",
        "parentId":"a1b2c3d4e5f60718","name":"orderservice.place",
        "timestamp":1773480413120000,"duration":245000,
        "localEndpoint":{"serviceName":"checkout"},
        "annotations":[{"timestamp":1773480413360000,
          "value":"\\"exception\\": {\\"exception.type\\":\\"java.lang.IllegalStateException\\",\\"exception.message\\":\\"cart is empty\\"}"}],
        "tags":{"otel.status_code":"ERROR","error":"cart is empty"}},
       {"traceId":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","id":"a1b2c3d4e5f60718","kind":"SERVER",
        "name":"post /api/checkout","timestamp":1773480413100000,"duration":271000,
        "localEndpoint":{"serviceName":"gateway"},"tags":{"otel.status_code":"OK"}}]]
      """;

  FakeBackend zipkin;
  RecordingSleeper sleeper = new RecordingSleeper();
  TelemetrySource source;

  @BeforeEach
  void start() throws Exception {
    zipkin = new FakeBackend();
    source = source("");
  }

  TelemetrySource source(String serviceFilter) {
    return TelemetrySources.create(
        "zipkin", TestConfigs.telemetry("zipkin.url", zipkin.url(), "service-filter", serviceFilter), CLOCK, sleeper);
  }

  TelemetrySource impatientSource() {
    return TelemetrySources.create(
        "zipkin", TestConfigs.telemetry("zipkin.url", zipkin.url(), "http.request-timeout", "300ms"), CLOCK, sleeper);
  }

  @AfterEach
  void stop() {
    zipkin.close();
  }

  @Test
  void readsTheErrorSpanOfATraceAsAnEventAndAsksInMilliseconds() throws Exception {
    zipkin.script("/api/v2/traces", Reply.json(TRACE));

    Batch batch = source.fetch(FROM, TO, 50, 1000);

    assertThat(batch.events())
        .containsExactly(
            new ErrorEvent(
                "zipkin",
                "checkout",
                "java.lang.IllegalStateException",
                "cart is empty",
                "",
                Instant.parse("2026-03-14T09:26:53.360Z"),
                "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c",
                "0c9d8e7f6a5b4c3d",
                Severity.ERROR,
                java.util.Map.of("span.name", "orderservice.place")));
    assertThat(batch.skippedRows()).isZero();
    assertThat(batch.backlogFrom()).isNull();
    FakeBackend.Request r = zipkin.requests().get(0);
    assertThat(r.method()).isEqualTo("GET");
    assertThat(r.param("annotationQuery")).isEqualTo("error");
    assertThat(r.param("endTs")).isEqualTo("1773480600000");
    assertThat(r.param("lookback")).isEqualTo(Long.toString(1773480600000L - 1773479513000L));
    assertThat(r.param("limit")).isEqualTo("50");
    assertThat(r.param("serviceName")).isNull();
  }

  @Test
  void anErrorTagWithoutExceptionIsAnEventWithTheTagAsMessage() throws Exception {
    zipkin.script(
        "/api/v2/traces",
        Reply.json(
            """
            [[{"traceId":"00000000000000000000000000abc123","id":"00000000000000ff","name":"get /pay",
               "timestamp":1773480000000001,"localEndpoint":{"serviceName":"payments"},
               "tags":{"error":"true","otel.status_description":"upstream 502"}}]]
            """));

    ErrorEvent e = source.fetch(FROM, TO, 50, 1000).events().get(0);

    assertThat(e.errorType()).isEmpty();
    assertThat(e.message()).isEqualTo("upstream 502");
    assertThat(e.time()).isEqualTo(Instant.parse("2026-03-14T09:20:00.000001Z"));
    assertThat(e.traceId()).isEqualTo("00000000000000000000000000abc123");
    assertThat(e.service()).isEqualTo("payments");
  }

  @Test
  void aServiceFilterQueriesEachServiceAndDropsSpansOfOthers() throws Exception {
    source = source("checkout, payments");
    zipkin.script("/api/v2/traces", Reply.json(TRACE.replace("\"otel.status_code\":\"OK\"", "\"error\":\"boom\"")));

    Batch batch = source.fetch(FROM, TO, 50, 1000);

    assertThat(zipkin.requests()).extracting(r -> r.param("serviceName")).containsExactly("checkout", "payments");
    assertThat(batch.events()).extracting(ErrorEvent::service).containsOnly("checkout");
  }

  @Test
  void unauthorizedIsAnAuthFailureWithoutRetry() {
    zipkin.script("/api/v2/traces", Reply.status(401, "unauthorized"));

    assertThatThrownBy(() -> source.fetch(FROM, TO, 50, 1000))
        .isInstanceOfSatisfying(TelemetryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.AUTH))
        .hasMessageContaining("401");
    assertThat(zipkin.requests()).hasSize(1);
    assertThat(sleeper.sleeps).isEmpty();
  }

  @Test
  void tooManyRequestsWaitsWhatRetryAfterSaysInSecondsOrAsADate() throws Exception {
    zipkin.script(
        "/api/v2/traces",
        Reply.status(429, "slow down").withHeader("Retry-After", "7"),
        Reply.status(429, "slow down").withHeader("Retry-After", "Sat, 14 Mar 2026 09:30:03 GMT"),
        Reply.json(TRACE));

    Batch batch = source.fetch(FROM, TO, 50, 1000);

    assertThat(batch.events()).hasSize(1);
    assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(3));
  }

  @Test
  void aServerErrorIsRetriedWithExponentialBackoffThenSucceeds() throws Exception {
    zipkin.script("/api/v2/traces", Reply.status(500, "oops"), Reply.status(503, "oops"), Reply.json(TRACE));

    assertThat(source.fetch(FROM, TO, 50, 1000).events()).hasSize(1);
    assertThat(sleeper.sleeps).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1));
  }

  @Test
  void serverErrorsBeyondTheAttemptsAreAServerErrorNotAnEmptyResult() {
    zipkin.script("/api/v2/traces", Reply.status(500, "storage down"));

    assertThatThrownBy(() -> source.fetch(FROM, TO, 50, 1000))
        .isInstanceOfSatisfying(TelemetryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.SERVER_ERROR))
        .hasMessageContaining("storage down");
    assertThat(zipkin.requests()).hasSize(3);
  }

  @Test
  void aRetryAfterLongerThanTheCapEndsTheReadAtOnce() {
    zipkin.script("/api/v2/traces", Reply.status(429, "").withHeader("Retry-After", "3600"));

    assertThatThrownBy(() -> source.fetch(FROM, TO, 50, 1000))
        .isInstanceOfSatisfying(TelemetryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED));
    assertThat(zipkin.requests()).hasSize(1);
    assertThat(sleeper.sleeps).isEmpty();
  }

  @Test
  void noAnswerWithinTheTimeoutIsATimeout() {
    zipkin.script("/api/v2/traces", Reply.hanging());
    TelemetrySource source = impatientSource();

    assertThatThrownBy(() -> source.fetch(FROM, TO, 50, 1000))
        .isInstanceOfSatisfying(TelemetryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TIMEOUT));
  }

  @Test
  void anUnreachableServerIsUnreachable() {
    zipkin.close();

    assertThatThrownBy(() -> source.fetch(FROM, TO, 50, 1000))
        .isInstanceOfSatisfying(TelemetryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE));
  }

  @Test
  void malformedJsonIsMalformed() {
    zipkin.script("/api/v2/traces", Reply.json("[[{\"traceId\": "));

    assertThatThrownBy(() -> source.fetch(FROM, TO, 50, 1000))
        .isInstanceOfSatisfying(TelemetryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED));
  }

  @Test
  void oneBadSpanIsCountedAndSkippedTheRestIngested() throws Exception {
    String withBadRow = TRACE.replaceFirst("\\[\\[", "[[{\"id\":\"zz\",\"tags\":{\"error\":\"x\"}},");

    Batch batch = withReply(withBadRow);

    assertThat(batch.events()).hasSize(1);
    assertThat(batch.skippedRows()).isEqualTo(1);
  }

  private Batch withReply(String body) throws TelemetryException {
    zipkin.script("/api/v2/traces", Reply.json(body));
    return source.fetch(FROM, TO, 50, 1000);
  }

  @Test
  void aFullPageSplitsTheWindowUntilEveryTraceIsRead() throws Exception {
    List<Long> times = spreadOver(FROM, TO, 57);
    zipkin.route("/api/v2/traces", r -> Reply.json(tracesIn(times, r)));

    Batch batch = source.fetch(FROM, TO, 10, 1000);

    assertThat(batch.backlogFrom()).isNull();
    assertThat(batch.events()).extracting(e -> Json.toMicros(e.time())).containsExactlyInAnyOrderElementsOf(times);
    assertThat(zipkin.requests().size()).isGreaterThan(6);
  }

  @Test
  void theLimitStopsTheReadAndTheBacklogResumesWhereUnreadEventsBegin() throws Exception {
    List<Long> times = spreadOver(FROM, TO, 57);
    zipkin.route("/api/v2/traces", r -> Reply.json(tracesIn(times, r)));

    Set<Long> seen = new HashSet<>();
    Instant from = FROM;
    int reads = 0;
    while (true) {
      Batch batch = source.fetch(from, TO, 10, 15);
      reads++;
      assertThat(batch.events()).hasSizeLessThanOrEqualTo(15);
      batch.events().forEach(e -> seen.add(Json.toMicros(e.time())));
      if (batch.backlogFrom() == null) {
        break;
      }
      Instant backlog = batch.backlogFrom();
      assertThat(backlog).isAfter(from);
      // everything before the backlog point has been read
      assertThat(seen).containsAll(times.stream().filter(t -> t < Json.toMicros(backlog)).toList());
      from = backlog;
    }
    assertThat(reads).isGreaterThan(3);
    assertThat(seen).containsExactlyInAnyOrderElementsOf(times);
  }

  @Test
  void aWindowWiderThanZipkinsLookbackCapIsSearchedInParts() throws Exception {
    Instant longAgo = TO.minus(Duration.ofDays(3));
    List<Long> times = spreadOver(longAgo, TO, 9);
    zipkin.route("/api/v2/traces", r -> Reply.json(tracesIn(times, r)));

    Batch batch = source.fetch(longAgo, TO, 50, 1000);

    assertThat(batch.events()).hasSize(9);
    assertThat(zipkin.requests()).hasSizeGreaterThanOrEqualTo(6)
        .allSatisfy(r -> assertThat(Long.parseLong(r.param("lookback"))).isLessThanOrEqualTo(Duration.ofHours(12).toMillis() + 1));
  }

  static List<Long> spreadOver(Instant from, Instant to, int n) {
    long a = Json.toMicros(from);
    long b = Json.toMicros(to);
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(a + 1 + (b - a - 2) * i / n + (i * 7919L) % 1000);
    }
    return out;
  }

  /** What Zipkin answers: the newest {@code limit} traces with a timestamp in the window. */
  static String tracesIn(List<Long> times, FakeBackend.Request r) {
    long endUs = Long.parseLong(r.param("endTs")) * 1000;
    long startUs = endUs - Long.parseLong(r.param("lookback")) * 1000;
    int limit = Integer.parseInt(r.param("limit"));
    return times.stream()
        .filter(t -> t >= startUs && t <= endUs)
        .sorted((x, y) -> Long.compare(y, x))
        .limit(limit)
        .map(
            t ->
                String.format(
                    "[{\"traceId\":\"%032x\",\"id\":\"%016x\",\"name\":\"op\",\"timestamp\":%d,"
                        + "\"localEndpoint\":{\"serviceName\":\"checkout\"},\"tags\":{\"error\":\"boom\"}}]",
                    t, t, t))
        .collect(Collectors.joining(",", "[", "]"));
  }
}
