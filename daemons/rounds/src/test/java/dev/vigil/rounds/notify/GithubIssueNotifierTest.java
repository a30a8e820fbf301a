package dev.vigil.rounds.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rounds.MutableClock;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GithubIssueNotifierTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T12:00:00Z"));
  private FakeGithub github;
  private GithubIssueNotifier notifier;

  @BeforeEach
  void start() throws Exception {
    github = new FakeGithub();
    notifier =
        new GithubIssueNotifier(
            new GithubIssueNotifier.Settings(
                github.url(), "ghp_secret", "acme", "shop", List.of("auto-diagnosis"),
                Duration.ofSeconds(5)),
            HttpClient.newHttpClient(),
            clock);
  }

  @AfterEach
  void stop() {
    github.close();
  }

  @Test
  void createsOneIssueWithTheFingerprintLabelAndTheDocumentedHeaders() throws Exception {
    notifier.send(Fixtures.diagnosed(42));
    assertThat(github.requestLines())
        .containsExactly(
            "GET /repos/acme/shop/issues?state=all&labels=vigil-fp-002a9f2c4e1a7b3d&per_page=100",
            "POST /repos/acme/shop/issues");
    FakeGithub.Request create = github.requests().get(1);
    assertThat(create.headers())
        .containsEntry("Authorization", "Bearer ghp_secret")
        .containsEntry("Accept", "application/vnd.github+json")
        .containsEntry("X-GitHub-Api-Version", "2022-11-28")
        .containsEntry("User-Agent", "vigil-rounds")
        .containsEntry("Content-Type", "application/json");
    assertThat(github.issue(1).get("title").asText())
        .isEqualTo("[vigil] java.lang.IllegalStateException: cart is empty (checkout)");
    assertThat(github.issue(1).get("labels").toString())
        .isEqualTo("[{\"name\":\"auto-diagnosis\",\"color\":\"ededed\"},"
            + "{\"name\":\"vigil-fp-002a9f2c4e1a7b3d\",\"color\":\"ededed\"}]");
    assertThat(github.issue(1).get("body").asText())
        .contains("## Root cause\n\nOrderService.place is called with an empty cart")
        .contains("- **Model:** claude-sonnet-4-5, cost 0.00423 USD, 2.1 s");
  }

  @Test
  void findsTheIssueAgainByLabelAndCommentsInsteadOfOpeningAnother() throws Exception {
    github.addPullRequest("vigil-fp-002a9f2c4e1a7b3d"); // pull requests are listed too: skipped
    notifier.send(Fixtures.diagnosed(42));
    notifier.send(Fixtures.diagnosed(42));
    notifier.send(new Notification.Recurred(Fixtures.signature(42, 30), 17));
    assertThat(github.issueCount()).isEqualTo(2); // the pull request and one issue
    assertThat(github.comments(2)).hasSize(2);
    assertThat(github.comments(2).get(0)).startsWith("New diagnosis:\n\n# java.lang.IllegalStateException");
    assertThat(github.comments(2).get(1))
        .isEqualTo("Seen again: **30** occurrences in all, 13 since the last notice (17).\n\n"
            + "- **First seen:** 2026-03-14T09:26:53Z\n"
            + "- **Last seen:** 2026-03-14T11:26:53Z");
    // another signature gets its own issue
    notifier.send(Fixtures.diagnosed(43));
    assertThat(github.issueCount()).isEqualTo(3);
  }

  @Test
  void resolvedClosesAndARegressionReopens() throws Exception {
    notifier.send(Fixtures.diagnosed(42));
    notifier.send(new Notification.Resolved(Fixtures.signature(42, 17), "validate the cart (#981)"));
    assertThat(github.issue(1).get("state").asText()).isEqualTo("closed");
    assertThat(github.issue(1).get("state_reason").asText()).isEqualTo("completed");
    assertThat(github.comments(1)).containsExactly("Resolved: validate the cart (#981)");
    // a recurrence of a closed issue is not commented: the store reports it as a regression
    notifier.send(new Notification.Recurred(Fixtures.signature(42, 18), 17));
    assertThat(github.comments(1)).hasSize(1);
    notifier.send(new Notification.Regressed(Fixtures.signature(42, 18)));
    assertThat(github.issue(1).get("state").asText()).isEqualTo("open");
    assertThat(github.issue(1).get("state_reason").asText()).isEqualTo("reopened");
    assertThat(github.comments(1).get(1)).startsWith("Regression: the error occurred again at 2026-03-14T11:26:53Z");
    List<String> lines = github.requestLines();
    assertThat(lines.subList(lines.size() - 3, lines.size()))
        .containsExactly(
            "GET /repos/acme/shop/issues?state=all&labels=vigil-fp-002a9f2c4e1a7b3d&per_page=100",
            "PATCH /repos/acme/shop/issues/1",
            "POST /repos/acme/shop/issues/1/comments");
    // a new diagnosis of a closed issue reopens it too
    notifier.send(new Notification.Resolved(Fixtures.signature(42, 18), ""));
    notifier.send(Fixtures.diagnosed(42));
    assertThat(github.issue(1).get("state").asText()).isEqualTo("open");
    assertThat(github.issueCount()).isEqualTo(1);
  }

  @Test
  void aPermission403IsPermanentWithGithubsMessage() {
    github.failNext(403, Map.of(), "{\"message\":\"Resource not accessible by personal access token\"}");
    assertThatThrownBy(() -> notifier.send(Fixtures.diagnosed(42)))
        .isInstanceOfSatisfying(
            NotificationException.class,
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage())
                  .isEqualTo("GitHub GET /repos/acme/shop/issues answered 403: Resource not accessible"
                      + " by personal access token (the token needs Issues: read and write on acme/shop)");
              assertThat(e.getMessage()).doesNotContain("ghp_secret");
            });
  }

  @Test
  void a422IsPermanentWithTheValidationErrors() {
    github.failNext(200, Map.of(), "[]");
    github.failNext(422, Map.of(),
        "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Issue\",\"field\":\"title\","
            + "\"code\":\"missing_field\"}],\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"422\"}");
    assertThatThrownBy(() -> notifier.send(Fixtures.diagnosed(42)))
        .isInstanceOfSatisfying(
            NotificationException.class,
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage())
                  .isEqualTo("GitHub POST /repos/acme/shop/issues answered 422: Validation Failed"
                      + " (Issue.title missing_field)");
            });
  }

  @Test
  void rateLimitsSayWhenToRetry() {
    github.failNext(403, Map.of(),
        "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\"}");
    assertThatThrownBy(() -> notifier.send(Fixtures.diagnosed(42)))
        .isInstanceOfSatisfying(NotificationException.class, e -> {
          assertThat(e.retryable()).isTrue();
          assertThat(e.retryAt()).contains(Instant.parse("2026-03-14T12:01:00Z"));
          assertThat(e.getMessage()).contains("secondary rate limit, waiting until 2026-03-14T12:01:00Z");
        });
    github.failNext(429, Map.of("retry-after", "30"), "{\"message\":\"slow down\"}");
    assertThatThrownBy(() -> notifier.send(Fixtures.diagnosed(42)))
        .isInstanceOfSatisfying(NotificationException.class,
            e -> assertThat(e.retryAt()).contains(Instant.parse("2026-03-14T12:00:30Z")));
    long reset = Instant.parse("2026-03-14T12:40:00Z").getEpochSecond();
    github.failNext(403,
        Map.of("x-ratelimit-remaining", "0", "x-ratelimit-limit", "5000",
            "x-ratelimit-reset", Long.toString(reset), "x-ratelimit-resource", "core"),
        "{\"message\":\"API rate limit exceeded for user ID 1.\"}");
    assertThatThrownBy(() -> notifier.send(Fixtures.diagnosed(42)))
        .isInstanceOfSatisfying(NotificationException.class, e -> {
          assertThat(e.retryable()).isTrue();
          assertThat(e.retryAt()).contains(Instant.parse("2026-03-14T12:40:00Z"));
        });
    github.failNext(502, Map.of(), "<html>bad gateway</html>");
    assertThatThrownBy(() -> notifier.send(Fixtures.diagnosed(42)))
        .isInstanceOfSatisfying(NotificationException.class, e -> {
          assertThat(e.retryable()).isTrue();
          assertThat(e.retryAt()).isEmpty();
        });
  }

  @Test
  void throughTheDispatcherARateLimitedIssueIsCreatedOnceLater(@TempDir Path dir) {
    SqliteNotificationQueue queue =
        SqliteNotificationQueue.open(dir.resolve("rounds.db"), SqliteSignatureStore.Options.defaults());
    NotificationDispatcher dispatcher =
        new NotificationDispatcher(
            List.of(notifier),
            new NotificationPolicy(Duration.ZERO, java.util.EnumSet.allOf(dev.vigil.rounds.diagnosis.Confidence.class),
                Duration.ofSeconds(10), Duration.ofHours(1), 10),
            queue,
            clock,
            "node");
    github.failNext(200, Map.of(), "[]");
    github.failNext(403, Map.of(), "{\"message\":\"You have exceeded a secondary rate limit.\"}");
    dispatcher.submit(Fixtures.diagnosed(42));
    dispatcher.submit(new Notification.Resolved(Fixtures.signature(42, 17), "fixed"));
    assertThat(github.issueCount()).isZero();
    assertThat(dispatcher.pending()).hasSize(2);
    clock.advance(Duration.ofSeconds(59));
    assertThat(dispatcher.retryDue()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(dispatcher.retryDue()).isEqualTo(2);
    assertThat(github.issueCount()).isEqualTo(1);
    assertThat(github.issue(1).get("state").asText()).isEqualTo("closed");
    assertThat(dispatcher.pending()).isEmpty();
    queue.close();
  }
}
