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
 * The notification settings of {@code vigil.rounds.notification}, validated (a {@link
 * com.typesafe.config.ConfigException} names the key, the value and why), and the dispatchers
 * built of them. Nothing is sent or written until a dispatcher is used.
 */
public final class Notifications {

  /** The notifier names {@code NOTIFICATION_BACKEND} accepts. */
  public static final Set<String> BACKENDS = Set.of("stdout", "markdown", "github_issue");

  private static final String N = "vigil.rounds.notification.";
  // a GitHub delivery makes at most three requests (find, reopen or close, comment)
  private static final int GITHUB_REQUESTS_PER_DELIVERY = 3;

  private final List<String> names;
  private final Path outputDir;
  private final GithubIssueNotifier.Settings github;
  private final NotificationPolicy policy;
  private final Clock clock;
  private final HttpClient http;

  private Notifications(
      List<String> names, Path outputDir, GithubIssueNotifier.Settings github,
      NotificationPolicy policy, Clock clock, HttpClient http) {
    this.names = List.copyOf(names);
    this.outputDir = outputDir;
    this.github = github;
    this.policy = policy;
    this.clock = clock;
    this.http = http;
  }

  /**
   * Validates the settings.
   *
   * @param stateDir the node's state directory (the default markdown directory is under it)
   * @param workingDir what a relative output directory resolves against
   * @throws com.typesafe.config.ConfigException naming every bad key
   */
  public static Notifications from(
      com.typesafe.config.Config config, Path stateDir, Path workingDir, Clock clock) {
    return from(config, stateDir, workingDir, clock, HttpClient.newHttpClient());
  }

  static Notifications from(
      com.typesafe.config.Config config, Path stateDir, Path workingDir, Clock clock,
      HttpClient http) {
    ConfigChecks c = new ConfigChecks(config);
    List<String> names = c.list(N + "backends");
    Path outputDir = null;
    GithubIssueNotifier.Settings github = null;
    for (String name : names) {
      switch (name) {
        case "stdout" -> { }
        case "markdown" -> outputDir = outputDir(c, stateDir, workingDir);
        case "github_issue" -> github = github(c);
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
    int claim = c.integer(N + "claim-minutes", 1, 1440);
    if (github != null && claim * 60L <= GITHUB_REQUESTS_PER_DELIVERY * github.timeout().toSeconds()) {
      c.problem(N + "claim-minutes", "must be longer than " + GITHUB_REQUESTS_PER_DELIVERY
          + " times github.timeout-seconds (" + github.timeout().toSeconds() + " s): a GitHub"
          + " delivery makes up to " + GITHUB_REQUESTS_PER_DELIVERY + " requests, and a claim"
          + " that runs out mid-delivery lets another dispatcher send it again");
    }
    NotificationPolicy policy = new NotificationPolicy(
        Duration.ofMinutes(c.integer(N + "cooldown-minutes", 0, 525_600)),
        confidences,
        Duration.ofSeconds(base),
        Duration.ofMinutes(Math.max(max, (base + 59) / 60)),
        c.integer(N + "max-attempts", 1, 1000),
        Duration.ofMinutes(claim));
    c.throwIfAny();
    return new Notifications(names, outputDir, github, policy, clock, http);
  }

  /** The policy the dispatchers apply. */
  public NotificationPolicy policy() {
    return policy;
  }

  /**
   * A dispatcher over the configured notifiers on {@code queue}.
   *
   * @param stdout where the stdout notifier prints
   * @param claimer who the dispatcher claims queue entries as, unique among those sharing the
   *     queue
   */
  public NotificationDispatcher dispatcher(NotificationQueue queue, PrintStream stdout, String claimer) {
    List<Notifier> notifiers = new ArrayList<>();
    for (String name : names) {
      switch (name) {
        case "stdout" -> notifiers.add(new StdoutNotifier(stdout));
        case "markdown" -> notifiers.add(new MarkdownNotifier(outputDir, clock));
        case "github_issue" -> notifiers.add(new GithubIssueNotifier(github, http, clock));
        default -> throw new IllegalStateException("unvalidated notifier " + name);
      }
    }
    return new NotificationDispatcher(notifiers, policy, queue, clock, claimer);
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
