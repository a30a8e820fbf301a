package dev.vigil.rounds.notify;

import dev.vigil.rounds.diagnosis.ConfigChecks;
import dev.vigil.rounds.diagnosis.Confidence;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the {@link NotificationDispatcher} from {@code vigil.rounds.notification}, validating
 * every value (a {@link com.typesafe.config.ConfigException} names the key, the value and why).
 * Nothing is sent or written here.
 */
public final class Notifications {

  /** The notifier names {@code NOTIFICATION_BACKEND} accepts. */
  public static final Set<String> BACKENDS = Set.of("stdout", "markdown", "github_issue");

  private static final String N = "vigil.rounds.notification.";

  private Notifications() {}

  /**
   * The dispatcher over the configured notifiers.
   *
   * @param stateDir the node's state directory (the default markdown directory is under it)
   * @param workingDir what a relative output directory resolves against
   * @param queue where undelivered notifications wait (in memory until the store persists them)
   * @param stdout where the stdout notifier prints
   */
  public static NotificationDispatcher create(
      com.typesafe.config.Config config, Path stateDir, Path workingDir, NotificationQueue queue,
      PrintStream stdout, Clock clock) {
    return create(config, stateDir, workingDir, queue, stdout, clock, HttpClient.newHttpClient());
  }

  static NotificationDispatcher create(
      com.typesafe.config.Config config, Path stateDir, Path workingDir, NotificationQueue queue,
      PrintStream stdout, Clock clock, HttpClient http) {
    ConfigChecks c = new ConfigChecks(config);
    List<String> names = c.list(N + "backends");
    List<Notifier> notifiers = new ArrayList<>();
    for (String name : names) {
      switch (name) {
        case "stdout" -> notifiers.add(new StdoutNotifier(stdout));
        case "markdown" -> notifiers.add(new MarkdownNotifier(outputDir(c, stateDir, workingDir), clock));
        case "github_issue" -> notifiers.add(new GithubIssueNotifier(github(c), http, clock));
        default -> c.problem(N + "backends",
            "\"" + name + "\" is not a notifier (known: markdown, stdout, github_issue)");
      }
    }
    if (names.size() != Set.copyOf(names).size()) {
      c.problem(N + "backends", "names a notifier twice");
    }
    Set<Confidence> confidences = EnumSet.noneOf(Confidence.class);
    for (String conf : c.list(N + "confidences")) {
      try {
        confidences.add(Confidence.parse(conf));
      } catch (IllegalArgumentException e) {
        c.problem(N + "confidences", "\"" + conf + "\" is not high, medium or low");
      }
    }
    int base = c.integer(N + "retry-base-seconds", 1, 86_400);
    int max = c.integer(N + "retry-max-minutes", 1, 10_080);
    if (max * 60 < base) {
      c.problem(N + "retry-max-minutes", "must not be shorter than retry-base-seconds");
    }
    NotificationPolicy policy = new NotificationPolicy(
        Duration.ofMinutes(c.integer(N + "cooldown-minutes", 0, 525_600)),
        confidences,
        Duration.ofSeconds(base),
        Duration.ofMinutes(Math.max(max, (base + 59) / 60)),
        c.integer(N + "max-attempts", 1, 1000));
    c.throwIfAny();
    return new NotificationDispatcher(notifiers, policy, queue, clock);
  }

  private static Path outputDir(ConfigChecks c, Path stateDir, Path workingDir) {
    String raw = c.string(N + "output-dir").strip();
    return raw.isEmpty() ? stateDir.resolve("diagnoses") : workingDir.resolve(raw).normalize();
  }

  private static GithubIssueNotifier.Settings github(ConfigChecks c) {
    String p = N + "github.";
    String token = c.required(p + "token", "GITHUB_TOKEN is needed for the github_issue notifier");
    String repo = c.required(p + "repo", "GITHUB_REPO (owner/name) is needed for the github_issue notifier");
    String[] parts = repo.split("/");
    if (!repo.isEmpty() && (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()
        || !repo.matches("[A-Za-z0-9._-]+/[A-Za-z0-9._-]+"))) {
      c.problem(p + "repo", "must be owner/name");
    }
    URI api = c.url(p + "api-url");
    return new GithubIssueNotifier.Settings(
        api, token, parts.length == 2 ? parts[0] : "", parts.length == 2 ? parts[1] : "",
        c.list(p + "labels"), Duration.ofSeconds(c.integer(p + "timeout-seconds", 1, 3600)));
  }
}
