package dev.vigil.rounds.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.vigil.rounds.MutableClock;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotificationsTest {
  @TempDir Path state;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T12:00:00Z"));
  private final PrintStream out = new PrintStream(new ByteArrayOutputStream(), true);
  private final List<SqliteNotificationQueue> queues = new ArrayList<>();

  private NotificationQueue queue() {
    SqliteNotificationQueue q = SqliteNotificationQueue.open(state.resolve("rounds.db"), SqliteSignatureStore.Options.defaults());
    queues.add(q);
    return q;
  }

  @AfterEach
  void close() {
    queues.forEach(SqliteNotificationQueue::close);
  }

  private static Config config(Map<String, Object> o) {
    return ConfigFactory.parseMap(o)
        .withFallback(ConfigFactory.parseResources("diagnosis-reference.conf")).resolve();
  }

  private NotificationDispatcher create(Map<String, Object> o) {
    return Notifications.from(config(o), state, state, clock).dispatcher(queue(), out, "test");
  }

  @Test
  void theDefaultIsStdoutAndMarkdownGoesUnderTheStateDirectory() throws Exception {
    assertThat(create(Map.of()).notifierNames()).containsExactly("stdout");
    NotificationDispatcher d = create(Map.of("vigil.rounds.notification.backends", "markdown, stdout"));
    assertThat(d.notifierNames()).containsExactly("markdown", "stdout");
    d.submit(Fixtures.diagnosed(42));
    assertThat(state.resolve("diagnoses/2026-03-14/signature-42-20260314T120000Z.md")).exists();
    assertThat(Files.readString(state.resolve("diagnoses/index.md"))).contains("| 42 |");
  }

  @Test
  void githubNeedsATokenAndAnOwnerSlashName() {
    assertThatThrownBy(() -> create(Map.of("vigil.rounds.notification.backends", "github_issue",
            "vigil.rounds.notification.github.repo", "acme")))
        .isInstanceOf(ConfigException.ValidationFailed.class)
        .hasMessageContaining("vigil.rounds.notification.github.token: <redacted>: GITHUB_TOKEN is needed")
        .hasMessageContaining("vigil.rounds.notification.github.repo: \"acme\": must be owner/name");
    NotificationDispatcher d = create(Map.of("vigil.rounds.notification.backends", "github_issue",
        "vigil.rounds.notification.github.repo", "acme/shop",
        "vigil.rounds.notification.github.token", "ghp_x"));
    assertThat(d.notifierNames()).containsExactly("github_issue");
  }

  @Test
  void badNamesAndConfidencesAreReported() {
    assertThatThrownBy(() -> create(Map.of("vigil.rounds.notification.backends", "slack",
            "vigil.rounds.notification.confidences", "high,certain")))
        .hasMessageContaining("\"slack\" is not a notifier")
        .hasMessageContaining("\"certain\" is not high, medium or low");
  }

  @Test
  void aClaimMustOutlastAGithubDelivery() {
    Map<String, Object> github = Map.of("vigil.rounds.notification.backends", "github_issue",
        "vigil.rounds.notification.github.repo", "acme/shop",
        "vigil.rounds.notification.github.token", "ghp_x",
        "vigil.rounds.notification.github.timeout-seconds", 300,
        "vigil.rounds.notification.claim-minutes", 15);
    assertThatThrownBy(() -> create(github))
        .hasMessageContaining("'vigil.rounds.notification.claim-minutes': 15: must be longer than 3 times"
            + " github.timeout-seconds (300 s)");
    assertThat(create(Map.of("vigil.rounds.notification.claim-minutes", 3)).policy().claimTimeout())
        .isEqualTo(Duration.ofMinutes(3));
  }
}
