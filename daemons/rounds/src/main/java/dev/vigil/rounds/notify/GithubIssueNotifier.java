package dev.vigil.rounds.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One GitHub issue per signature, found again by a fingerprint label ({@code vigil-fp-<16 hex>}):
 * a diagnosis opens it (or comments on it, reopening it if it was closed), a recurrence comments
 * on an open issue (the new count, how many since the last notice, first and last seen),
 * a resolution closes it ({@code completed}), a regression reopens it.
 *
 * <p>The issue is looked up with the list endpoint filtered by label (search lags behind writes,
 * so it cannot de-duplicate an issue created seconds ago); pull requests in the list are skipped.
 * Rate limits (403 or 429 with {@code retry-after}, {@code x-ratelimit-remaining: 0} and
 * {@code x-ratelimit-reset}, or a secondary limit without headers: at least 60 s) are reported as
 * retryable failures with the time to retry at, which the dispatcher honours; a permission 403,
 * 401, 404, 410 and 422 are permanent failures with GitHub's message.
 */
public final class GithubIssueNotifier implements Notifier {

  /** The label prefix that finds a signature's issue again. */
  public static final String FINGERPRINT_LABEL_PREFIX = "vigil-fp-";

  private static final Duration SECONDARY_LIMIT_WAIT = Duration.ofSeconds(60);

  /**
   * Where and how to talk to GitHub.
   *
   * @param apiUrl the API root ({@code https://api.github.com}, or {@code https://host/api/v3})
   * @param token a token with Issues read and write on the repository
   * @param owner the repository's owner
   * @param repo the repository's name
   * @param labels labels put on every issue besides the fingerprint label
   * @param timeout per request
   */
  public record Settings(
      URI apiUrl, String token, String owner, String repo, List<String> labels, Duration timeout) {
    /** Checks the parts and copies the labels. */
    public Settings {
      Objects.requireNonNull(apiUrl, "apiUrl");
      Objects.requireNonNull(token, "token");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(repo, "repo");
      Objects.requireNonNull(timeout, "timeout");
      labels = List.copyOf(labels);
    }

    @Override
    public String toString() {
      return "Settings[apiUrl=" + apiUrl + ", token=<redacted>, repo=" + owner + "/" + repo
          + ", labels=" + labels + "]";
    }
  }

  private record Issue(long number, boolean open) {}

  private final Settings settings;
  private final HttpClient http;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();
  private final String base;

  /** A notifier talking to GitHub through {@code http}. */
  public GithubIssueNotifier(Settings settings, HttpClient http, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.http = Objects.requireNonNull(http, "http");
    this.clock = Objects.requireNonNull(clock, "clock");
    String root = settings.apiUrl().toString();
    this.base = (root.endsWith("/") ? root.substring(0, root.length() - 1) : root)
        + "/repos/" + settings.owner() + "/" + settings.repo();
  }

  @Override
  public String name() {
    return "github_issue";
  }

  /** The label that marks the signature's issue. */
  public static String fingerprintLabel(SignatureFacts s) {
    return FINGERPRINT_LABEL_PREFIX + DiagnosisText.shortFingerprint(s).toLowerCase(Locale.ROOT);
  }

  @Override
  public void send(Notification n) throws NotificationException {
    SignatureFacts s = n.signature();
    Optional<Issue> issue = find(s);
    switch (n) {
      case Notification.Diagnosed d -> {
        String body = DiagnosisText.markdown(s, d.diagnosis());
        if (issue.isEmpty()) {
          create(s, body);
        } else {
          if (!issue.get().open()) {
            setState(issue.get(), "open", "reopened");
          }
          comment(issue.get(), "New diagnosis:\n\n" + body);
        }
      }
      case Notification.Recurred r -> {
        // no issue: the diagnosis never reached GitHub (parked); a closed one was closed by a
        // person, whose decision a comment every cooldown would only nag about
        if (issue.isPresent() && issue.get().open()) {
          comment(issue.get(), DiagnosisText.recurrenceMarkdown(r));
        }
      }
      case Notification.Resolved r -> {
        if (issue.isPresent() && issue.get().open()) {
          comment(issue.get(), "Resolved" + (r.fix().isEmpty() ? "." : ": " + r.fix()));
          setState(issue.get(), "closed", "completed");
        }
      }
      case Notification.Regressed r -> {
        if (issue.isPresent()) {
          if (!issue.get().open()) {
            setState(issue.get(), "open", "reopened");
          }
          comment(issue.get(), "Regression: the error occurred again at "
              + DiagnosisText.time(s.lastSeen()) + " after it was resolved; "
              + DiagnosisText.occurrences(s) + ".");
        }
      }
    }
  }

  private Optional<Issue> find(SignatureFacts s) throws NotificationException {
    String label = URLEncoder.encode(fingerprintLabel(s), StandardCharsets.UTF_8);
    JsonNode list =
        call("GET", base + "/issues?state=all&labels=" + label + "&per_page=100", null, 200);
    Issue best = null;
    for (JsonNode item : list) {
      if (item.has("pull_request")) {
        continue;
      }
      Issue i = new Issue(item.path("number").asLong(), item.path("state").asText().equals("open"));
      // the oldest issue is the signature's; later duplicates (made by hand) are left alone
      if (best == null || i.number() < best.number()) {
        best = i;
      }
    }
    return Optional.ofNullable(best);
  }

  private void create(SignatureFacts s, String body) throws NotificationException {
    ObjectNode req = json.createObjectNode();
    req.put("title", DiagnosisText.title(s));
    req.put("body", body);
    List<String> labels = new ArrayList<>(settings.labels());
    labels.add(fingerprintLabel(s));
    req.putArray("labels").addAll(labels.stream().map(json.getNodeFactory()::textNode).toList());
    call("POST", base + "/issues", req, 201);
  }

  private void comment(Issue issue, String body) throws NotificationException {
    ObjectNode req = json.createObjectNode().put("body", body);
    call("POST", base + "/issues/" + issue.number() + "/comments", req, 201);
  }

  private void setState(Issue issue, String state, String reason) throws NotificationException {
    ObjectNode req = json.createObjectNode().put("state", state).put("state_reason", reason);
    call("PATCH", base + "/issues/" + issue.number(), req, 200);
  }

  private JsonNode call(String method, String url, JsonNode body, int expected)
      throws NotificationException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(settings.timeout())
            .header("Authorization", "Bearer " + settings.token())
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header("User-Agent", "vigil-rounds");
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    }
    String what = method + " " + URI.create(url).getRawPath();
    HttpResponse<String> resp;
    try {
      resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw NotificationException.transientFailure(
          "GitHub " + what + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw NotificationException.transientFailure("GitHub " + what + " interrupted", e);
    }
    int status = resp.statusCode();
    if (status == expected || (status / 100 == 2 && expected / 100 == 2)) {
      try {
        return resp.body().isBlank() ? json.createObjectNode() : json.readTree(resp.body());
      } catch (IOException e) {
        throw NotificationException.transientFailure(
            "GitHub " + what + " answered " + status + " with a body that is not JSON", e);
      }
    }
    throw failure(what, resp);
  }

  private NotificationException failure(String what, HttpResponse<String> resp) {
    int status = resp.statusCode();
    String message = message(resp.body());
    Instant now = clock.instant();
    Optional<String> retryAfter = resp.headers().firstValue("retry-after");
    Optional<String> remaining = resp.headers().firstValue("x-ratelimit-remaining");
    Optional<String> reset = resp.headers().firstValue("x-ratelimit-reset");
    boolean rateLimited =
        status == 429
            || (status == 403
                && (retryAfter.isPresent() || remaining.filter("0"::equals).isPresent()
                    || message.toLowerCase(Locale.ROOT).contains("rate limit")));
    String prefix = "GitHub " + what + " answered " + status + ": " + message;
    if (rateLimited) {
      Instant at;
      String kind;
      if (retryAfter.isPresent() && seconds(retryAfter.get()) >= 0) {
        at = now.plusSeconds(seconds(retryAfter.get()));
        kind = "retry-after";
      } else if (remaining.filter("0"::equals).isPresent() && reset.isPresent()
          && seconds(reset.get()) >= 0) {
        at = Instant.ofEpochSecond(seconds(reset.get()));
        kind = "primary rate limit, resets";
      } else {
        at = now.plus(SECONDARY_LIMIT_WAIT);
        kind = "secondary rate limit, waiting";
      }
      return new NotificationException(
          prefix + " (" + kind + " until " + at + ")", true, at, null);
    }
    if (status >= 500 || status == 408) {
      return NotificationException.transientFailure(prefix, null);
    }
    String hint =
        switch (status) {
          case 401 -> " (bad credentials: check GITHUB_TOKEN)";
          case 403 -> " (the token needs Issues: read and write on " + settings.owner() + "/"
              + settings.repo() + ")";
          case 404 -> " (repository " + settings.owner() + "/" + settings.repo()
              + " not found or not visible to this token)";
          case 410 -> " (issues are disabled on the repository)";
          case 422 -> validationErrors(resp.body());
          default -> "";
        };
    return NotificationException.permanent(prefix + hint);
  }

  private String message(String body) {
    try {
      JsonNode n = json.readTree(body);
      return n.path("message").asText(body.strip());
    } catch (IOException e) {
      String flat = body.strip();
      return flat.length() <= 200 ? flat : flat.substring(0, 200) + "...";
    }
  }

  private String validationErrors(String body) {
    try {
      List<String> parts = new ArrayList<>();
      for (JsonNode e : json.readTree(body).path("errors")) {
        parts.add(e.path("resource").asText("?") + "." + e.path("field").asText("?") + " "
            + e.path("code").asText("?")
            + (e.hasNonNull("message") ? " (" + e.get("message").asText() + ")" : ""));
      }
      return parts.isEmpty() ? "" : " (" + String.join("; ", parts) + ")";
    } catch (IOException e) {
      return "";
    }
  }

  private static long seconds(String v) {
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
