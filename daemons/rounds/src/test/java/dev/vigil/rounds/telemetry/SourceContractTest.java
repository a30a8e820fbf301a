package dev.vigil.rounds.telemetry;

import static dev.vigil.rounds.telemetry.FakeBackend.Reply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.TelemetryException.Kind;
import dev.vigil.rounds.TelemetrySource;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How every pull source must treat a failing backend, run against each backend's fake: the
 * subclass names the data endpoint where failures are injected and a good answer carrying one
 * error event; other endpoints (service lists and the like) it routes in {@link #routeOthers}.
 */
abstract class SourceContractTest {
  static final Instant FROM = Instant.parse("2026-03-14T09:11:53Z");
  static final Instant TO = Instant.parse("2026-03-14T09:30:00Z");

  FakeBackend server;
  RecordingSleeper sleeper = new RecordingSleeper();
  String requestTimeout = "10s";

  /** The test config with these settings, over {@link #requestTimeout}. */
  com.typesafe.config.Config config(String... keyValues) {
    String[] all = java.util.Arrays.copyOf(keyValues, keyValues.length + 2);
    all[keyValues.length] = "http.request-timeout";
    all[keyValues.length + 1] = requestTimeout;
    return TestConfigs.telemetry(all);
  }

  /** The source under test, pointed at {@code url}. */
  abstract TelemetrySource source(String url);

  /** The path of the request that returns the events. */
  abstract String dataPath();

  /** A 200 body of {@link #dataPath()} that carries exactly one error event. */
  abstract String oneEventBody();

  /** Routes the endpoints other than {@link #dataPath()} to good answers. */
  void routeOthers(FakeBackend fake) {}

  @BeforeEach
  void startServer() throws Exception {
    server = new FakeBackend();
    routeOthers(server);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private TelemetryException failure() {
    TelemetrySource source = source(server.url());
    return (TelemetryException) assertThatThrownBy(() -> source.fetch(FROM, TO, 50, 1000))
        .isInstanceOf(TelemetryException.class)
        .actual();
  }

  @Test
  void aGoodAnswerIsOneEvent() throws Exception {
    server.script(dataPath(), Reply.json(oneEventBody()));

    assertThat(source(server.url()).fetch(FROM, TO, 50, 1000).events()).hasSize(1);
  }

  @Test
  void unauthorizedIsAnAuthFailureAndNotRetried() {
    server.script(dataPath(), Reply.status(401, "{\"status\":\"error\",\"error\":{\"type\":\"unauthenticated\"}}"));

    assertThat(failure().kind()).isEqualTo(Kind.AUTH);
    assertThat(server.requests(dataPath())).hasSize(1);
  }

  @Test
  void forbiddenIsAnAuthFailure() {
    server.script(dataPath(), Reply.status(403, "forbidden"));

    assertThat(failure().kind()).isEqualTo(Kind.AUTH);
  }

  @Test
  void tooManyRequestsIsRetriedAfterRetryAfter() throws Exception {
    server.script(dataPath(), Reply.status(429, "too many requests").withHeader("Retry-After", "2"), Reply.json(oneEventBody()));

    assertThat(source(server.url()).fetch(FROM, TO, 50, 1000).events()).hasSize(1);
    assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(2));
  }

  @Test
  void rateLimitedBeyondTheAttemptsIsRateLimited() {
    server.script(dataPath(), Reply.status(429, "too many requests"));

    assertThat(failure().kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(server.requests(dataPath())).hasSize(3);
  }

  @Test
  void aServerErrorThenSuccessIsRetriedWithBackoff() throws Exception {
    server.script(dataPath(), Reply.status(500, "internal"), Reply.json(oneEventBody()));

    assertThat(source(server.url()).fetch(FROM, TO, 50, 1000).events()).hasSize(1);
    assertThat(sleeper.sleeps).containsExactly(Duration.ofMillis(500));
  }

  @Test
  void persistentServerErrorsAreAnErrorNeverNoErrors() {
    server.script(dataPath(), Reply.status(502, "bad gateway"));

    assertThat(failure().kind()).isEqualTo(Kind.SERVER_ERROR);
  }

  @Test
  void aBadRequestIsAnUnexpectedStatus() {
    server.script(dataPath(), Reply.status(400, "parse error"));

    TelemetryException e = failure();
    assertThat(e.kind()).isEqualTo(Kind.UNEXPECTED_STATUS);
    assertThat(e).hasMessageContaining("400").hasMessageContaining("parse error");
  }

  @Test
  void noAnswerInTimeIsATimeout() {
    requestTimeout = "300ms";
    server.script(dataPath(), Reply.hanging());

    assertThat(failure().kind()).isEqualTo(Kind.TIMEOUT);
  }

  @Test
  void malformedJsonIsMalformed() {
    server.script(dataPath(), Reply.json("{\"data\": [ {\"oops\""));

    assertThat(failure().kind()).isEqualTo(Kind.MALFORMED);
  }
}
