package dev.vigil.rounds.telemetry;

import static dev.vigil.rounds.telemetry.FakeBackend.Reply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.TelemetrySource;
import dev.vigil.rounds.TelemetrySource.Batch;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The grafana_stack source's Loki half (no Tempo configured), against a fake Loki. */
class GrafanaLokiSourceTest extends SourceContractTest {
  /** wire-formats 5.2: categorised labels, trace id in structured metadata. */
  static final String ONE_LINE =
      """
      {"status":"success","data":{"resultType":"streams","encodingFlags":["categorize-labels"],
        "result":[{"stream":{"service_name":"checkout"},
          "values":[["1773480413361000000","order placement failed",
            {"structuredMetadata":{"trace_id":"5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c","span_id":"0c9d8e7f6a5b4c3d","severity_text":"ERROR",
               "exception_type":"java.lang.IllegalStateException"},
             "parsed":{}}]]}],"stats":{}}}
      """;

  String serviceFilter = "";

  @Override
  TelemetrySource source(String url) {
    return TelemetrySources.create(
        "grafana_stack",
        config("grafana_stack.loki-url", url, "grafana_stack.org-id", "t1|t2", "service-filter", serviceFilter),
        TestConfigs.CLOCK,
        sleeper);
  }

  @Override
  String dataPath() {
    return "/loki/api/v1/query_range";
  }

  @Override
  String oneEventBody() {
    return ONE_LINE;
  }

  @Test
  void queriesTheRangeEndpointForwardInNanosecondsWithCategorisedLabels() throws Exception {
    server.script(dataPath(), Reply.json(ONE_LINE));

    Batch batch = source(server.url()).fetch(FROM, TO, 100, 1000);

    assertThat(server.requests()).extracting(FakeBackend.Request::path).containsOnly("/loki/api/v1/query_range");
    FakeBackend.Request r = server.requests().get(0);
    assertThat(r.param("start")).isEqualTo("1773479513000000000");
    assertThat(r.param("end")).isEqualTo("1773480600000000000");
    assertThat(r.param("direction")).isEqualTo("forward");
    assertThat(r.param("limit")).isEqualTo("100");
    assertThat(r.param("query"))
        .isEqualTo("{service_name=~\".+\"} | severity_text=~\"(?i)error|fatal|critical|severe\" or detected_level=~\"(?i)error|fatal|critical\"");
    assertThat(r.header("X-Loki-Response-Encoding-Flags")).isEqualTo("categorize-labels");
    assertThat(r.header("X-Scope-OrgID")).isEqualTo("t1|t2");
    assertThat(r.header("Authorization")).isNull();
    assertThat(batch.events())
        .containsExactly(
            new ErrorEvent(
                "grafana_stack", "checkout", "java.lang.IllegalStateException", "order placement failed", "",
                Instant.parse("2026-03-14T09:26:53.361Z"), "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "0c9d8e7f6a5b4c3d",
                Severity.ERROR, Map.of()));
  }

  @Test
  void servicesOfTheFilterBecomeTheStreamSelector() throws Exception {
    serviceFilter = "checkout,pay.ments";
    server.script(dataPath(), Reply.json(ONE_LINE));

    source(server.url()).fetch(FROM, TO, 100, 1000);

    assertThat(server.requests().get(0).param("query")).startsWith("{service_name=~\"checkout|pay\\\\.ments\"} | ");
  }

  @Test
  void traceIdsComeFromLabelsParsedFieldsOrTheLineAndFatalIsFatal() throws Exception {
    server.script(
        dataPath(),
        Reply.json(
            """
            {"status":"success","data":{"resultType":"streams","result":[
              {"stream":{"service_name":"billing","trace_id":"00000000000000000000000000000abc"},
               "values":[["1773480000000000001","boom"]]},
              {"stream":{"service_name":"billing"},
               "values":[["1773480000000000002","{\\"msg\\":\\"x\\"}",{"parsed":{"traceID":"ABCDEF0123456789ABCDEF0123456789","level":"fatal"}}],
                         ["1773480000000000003","payment failed trace_id=1234567890abcdef1234567890abcdef span_id=1234567890abcdef"],
                         ["1773480000000000004","no ids here",{}]]}],"stats":{}}}
            """));

    Batch batch = source(server.url()).fetch(FROM, TO, 100, 1000);

    assertThat(batch.events())
        .extracting(ErrorEvent::traceId, ErrorEvent::spanId, ErrorEvent::severity)
        .containsExactly(
            tuple("00000000000000000000000000000abc", "", Severity.ERROR),
            tuple("abcdef0123456789abcdef0123456789", "", Severity.FATAL),
            tuple("1234567890abcdef1234567890abcdef", "1234567890abcdef", Severity.ERROR),
            tuple("", "", Severity.ERROR));
  }

  @Test
  void aBadValueIsSkippedAndCounted() throws Exception {
    server.script(
        dataPath(),
        Reply.json(
            """
            {"status":"success","data":{"resultType":"streams","result":[{"stream":{"service_name":"a"},
              "values":[["1773480000000000001","one"],["not-a-time","two"],["1773480000000000003","three"]]}],"stats":{}}}
            """));

    Batch batch = source(server.url()).fetch(FROM, TO, 100, 1000);

    assertThat(batch.events()).extracting(ErrorEvent::message).containsExactly("one", "three");
    assertThat(batch.skippedRows()).isEqualTo(1);
  }

  @Test
  void aMetricResultIsMalformedNotEmpty() {
    server.script(dataPath(), Reply.json("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}"));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> source(server.url()).fetch(FROM, TO, 100, 1000))
        .isInstanceOf(dev.vigil.rounds.TelemetryException.class)
        .hasMessageContaining("matrix");
  }

  /** 3 streams, 40 lines, some sharing a nanosecond across pages. */
  static List<long[]> lines() {
    List<long[]> out = new ArrayList<>();
    long base = 1773479600_000000000L;
    for (int i = 0; i < 40; i++) {
      long ns = base + (i / 3) * 1_000_000_000L; // three lines per second, one per stream
      out.add(new long[] {ns, i % 3, i});
    }
    return out;
  }

  /** Loki forward: the oldest {@code limit} entries with start <= ts < end, grouped into streams. */
  static String forward(List<long[]> lines, FakeBackend.Request r) {
    BigInteger start = new BigInteger(r.param("start"));
    BigInteger end = new BigInteger(r.param("end"));
    int limit = Integer.parseInt(r.param("limit"));
    List<long[]> hits =
        lines.stream()
            .filter(l -> BigInteger.valueOf(l[0]).compareTo(start) >= 0 && BigInteger.valueOf(l[0]).compareTo(end) < 0)
            .sorted((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]))
            .limit(limit)
            .toList();
    Map<Long, List<long[]>> byStream = hits.stream().collect(Collectors.groupingBy(l -> l[1]));
    return byStream.entrySet().stream()
        .map(
            e ->
                "{\"stream\":{\"service_name\":\"svc" + e.getKey() + "\"},\"values\":["
                    + e.getValue().stream().map(l -> "[\"" + l[0] + "\",\"line " + l[2] + "\",{}]").collect(Collectors.joining(","))
                    + "]}")
        .collect(Collectors.joining(",", "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\",\"result\":[", "],\"stats\":{}}}"));
  }

  @Test
  void pagesForwardFromTheLastTimestampWithoutLosingOrRepeatingLinesAtIt() throws Exception {
    List<long[]> lines = lines();
    server.route(dataPath(), r -> Reply.json(forward(lines, r)));

    Batch batch = source(server.url()).fetch(FROM, TO, 7, 1000);

    assertThat(batch.events()).extracting(ErrorEvent::message)
        .containsExactlyInAnyOrderElementsOf(lines.stream().map(l -> "line " + l[2]).toList());
    assertThat(batch.backlogFrom()).isNull();
    assertThat(server.requests().size()).isGreaterThan(6);
    assertThat(server.requests().get(1).param("start")).isEqualTo(Long.toString(lines.get(6)[0]));
  }

  @Test
  void theLimitLeavesABacklogAtTheLastTimestampRead() throws Exception {
    List<long[]> lines = lines();
    server.route(dataPath(), r -> Reply.json(forward(lines, r)));
    TelemetrySource source = source(server.url());

    Batch first = source.fetch(FROM, TO, 7, 10);

    assertThat(first.events()).hasSize(10);
    assertThat(first.backlogFrom()).isEqualTo(Json.fromNanos(lines.get(9)[0]));
    Batch rest = source.fetch(first.backlogFrom(), TO, 7, 1000);
    List<String> read = new ArrayList<>();
    first.events().forEach(e -> read.add(e.message()));
    rest.events().forEach(e -> read.add(e.message()));
    assertThat(new java.util.HashSet<>(read)).containsExactlyInAnyOrderElementsOf(lines.stream().map(l -> "line " + l[2]).toList());
  }

  @Test
  void moreLinesAtOneNanosecondThanAPageAreAllRead() throws Exception {
    List<long[]> lines = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      lines.add(new long[] {1773479600_000000000L, i, i});
    }
    lines.add(new long[] {1773479601_000000000L, 0, 10});
    server.route(dataPath(), r -> Reply.json(forward(lines, r)));

    Batch batch = source(server.url()).fetch(FROM, TO, 3, 1000);

    assertThat(batch.events()).extracting(ErrorEvent::message)
        .containsExactlyInAnyOrderElementsOf(lines.stream().map(l -> "line " + l[2]).toList());
  }

  @Test
  void withTempoTooTheLimitIsSharedAndLokiStopsWhereTempoDid() throws Exception {
    List<long[]> lines = lines();
    server.route(dataPath(), r -> Reply.json(forward(lines, r)));
    List<Long> seconds = ZipkinSourceTest.spreadOver(FROM, TO, 31).stream().map(us -> us / 1_000_000).toList();
    server.route("/api/search", r -> Reply.json(GrafanaTempoSourceTest.searchIn(seconds, r)));
    for (long sec : seconds) {
      server.script("/api/traces/" + String.format("%032x", sec), Reply.json(GrafanaTempoSourceTest.trace(sec)));
    }
    TelemetrySource both =
        TelemetrySources.create(
            "grafana_stack",
            config("grafana_stack.loki-url", server.url(), "grafana_stack.tempo-url", server.url()),
            TestConfigs.CLOCK,
            sleeper);

    Batch batch = both.fetch(FROM, TO, 4, 12);

    assertThat(batch.events().size()).isLessThanOrEqualTo(12);
    Instant backlog = batch.backlogFrom();
    assertThat(backlog).isNotNull();
    // every span and line before the backlog point is in the batch (later ones may be too)
    List<Long> spanSeconds = batch.events().stream().filter(e -> !e.message().startsWith("line")).map(e -> e.time().getEpochSecond()).toList();
    assertThat(spanSeconds).containsAll(seconds.stream().filter(sec -> sec < backlog.getEpochSecond()).toList());
    List<String> lineMessages = batch.events().stream().map(ErrorEvent::message).filter(m -> m.startsWith("line")).toList();
    assertThat(lineMessages).containsAll(lines.stream().filter(l -> Json.fromNanos(l[0]).isBefore(backlog)).map(l -> "line " + l[2]).toList());
    // Tempo hit its half of the limit first, so Loki was asked only up to where Tempo stopped
    List<String> lokiEnds = server.requests(dataPath()).stream().map(r -> r.param("end")).distinct().toList();
    assertThat(lokiEnds).singleElement().satisfies(end -> assertThat(Json.fromNanos(Long.parseLong(end))).isAfterOrEqualTo(backlog).isBefore(TO));
  }
}
