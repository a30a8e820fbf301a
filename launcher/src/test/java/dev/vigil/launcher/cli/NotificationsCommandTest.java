package dev.vigil.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.rounds.ErrorEvent;
import dev.vigil.rounds.Fingerprinting;
import dev.vigil.rounds.Severity;
import dev.vigil.rounds.SignatureStore.GroupedEvent;
import dev.vigil.rounds.notify.NotificationQueue;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil notifications} through {@link Cli#run} on a real store whose queue a real
 * dispatcher filled ({@link ParkedNotifications}); a retried entry is then delivered by the next
 * retry pass.
 */
class NotificationsCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String USER = "cli:" + System.getProperty("user.name", "unknown");

  @TempDir Path home;
  final Map<String, String> env = new HashMap<>();
  Path db;

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(home.resolve("profiles"));
    Files.writeString(home.resolve("profiles/standalone.conf"), "vigil.profile { daemons = [] }\n");
    env.put("VIGIL_STATE_DIR", home.resolve("state").toString());
    env.put("NOTIFICATION_BACKEND", "");
    db = home.resolve("state/rounds.db");
  }

  Run vigil(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cli.run(args, new PrintWriter(out), new PrintWriter(err), env, home);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Signatures 1 and 2 in the store, then the queue: 1's resolution parked, 2's regression waiting. */
  List<NotificationQueue.Pending> seed() {
    try (SqliteSignatureStore store = SqliteSignatureStore.open(db, SqliteSignatureStore.Options.defaults())) {
      Instant t = Instant.parse("2026-03-14T11:00:00Z");
      store.ingest(List.of(event("one", t), event("two", t)), t, null);
    }
    return ParkedNotifications.parkOneDelayOne(db);
  }

  static GroupedEvent event(String name, Instant at) {
    return new GroupedEvent(
        new ErrorEvent("otlp", "checkout", "E", name, "", at, "t-" + name, "00f067aa0ba902b7", Severity.ERROR, null),
        new Fingerprinting.Result("fp-" + name, 2, name, List.of()));
  }

  @Test
  void listsTheQueueAsATableAndAsJson() throws Exception {
    List<NotificationQueue.Pending> queued = seed();
    long parked = queued.get(0).id();
    long waiting = queued.get(1).id();

    Run table = vigil("notifications");
    assertThat(table.exit()).as(table.err()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines.get(0)).startsWith("ID").contains("NOTIFIER", "KIND", "SIG", "ATTEMPTS", "DUE AT", "STATE", "HEADLINE");
    assertThat(lines.get(1)).startsWith(parked + " ").contains("github_issue", "resolved", " 1 ", "parked",
        "java.lang.IllegalStateException: cart is empty (checkout)");
    assertThat(lines.get(2)).isEqualTo("       last error: " + ParkedNotifications.REFUSED);
    assertThat(lines.get(3)).startsWith(waiting + " ").contains("regressed", " 2 ", "waiting");
    assertThat(lines.get(4)).isEqualTo("       last error: GitHub GET /repos/acme/shop/issues answered 503");
    assertThat(table.out()).contains("vigil notifications retry ID... | --all-parked");

    Run json = vigil("notifications", "--json");
    assertThat(json.exit()).isZero();
    JsonNode all = json.json();
    assertThat(all).hasSize(2);
    JsonNode first = all.get(0);
    assertThat(first.get("id").asLong()).isEqualTo(parked);
    assertThat(first.get("notifier").asText()).isEqualTo("github_issue");
    assertThat(first.get("kind").asText()).isEqualTo("resolved");
    assertThat(first.get("signature_id").asLong()).isEqualTo(1);
    assertThat(first.get("headline").asText()).isEqualTo("java.lang.IllegalStateException: cart is empty");
    assertThat(first.get("attempts").asInt()).isEqualTo(1);
    assertThat(first.get("parked").asBoolean()).isTrue();
    assertThat(first.get("claimed_by").isNull()).isTrue();
    assertThat(first.get("last_error").asText()).isEqualTo(ParkedNotifications.REFUSED);
    assertThat(Instant.parse(first.get("due_at").asText())).isNotNull();
    assertThat(all.get(1).get("parked").asBoolean()).isFalse();

    Run onlyParked = vigil("notifications", "--parked", "--json");
    assertThat(onlyParked.json()).hasSize(1);
    assertThat(onlyParked.json().get(0)).isEqualTo(first);
  }

  @Test
  void retryPutsParkedEntriesBackAuditedAndTheNextPassDeliversThem() throws Exception {
    List<NotificationQueue.Pending> queued = seed();
    long parked = queued.get(0).id();

    Run r = vigil("notifications", "retry", Long.toString(parked), "--reason", "issue template fixed");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("notification " + parked
        + " (resolved of signature 1 to github_issue) queued for the next sweep" + System.lineSeparator());
    JsonNode entry = vigil("notifications", "--json").json().get(0);
    assertThat(entry.get("parked").asBoolean()).isFalse();
    assertThat(entry.get("attempts").asInt()).isZero();
    assertThat(vigil("notifications", "--parked").out()).isEqualTo("no parked notifications" + System.lineSeparator());

    JsonNode audit = vigil("signatures", "show", "1", "--json").json().get("audit");
    JsonNode last = audit.get(audit.size() - 1);
    assertThat(last.get("actor").asText()).isEqualTo(USER);
    assertThat(last.get("reason").asText())
        .isEqualTo("retry notification " + parked + " (resolved to github_issue): issue template fixed");
    assertThat(last.get("from").asText()).isEqualTo(last.get("to").asText()).isEqualTo("new");

    // the node's next sweep: the retried entry goes out, 2's regression is not due yet
    assertThat(ParkedNotifications.deliverDue(db)).containsExactly("resolved 1");
    assertThat(vigil("notifications", "--json").json()).extracting(n -> n.get("kind").asText())
        .containsExactly("regressed");
  }

  @Test
  void allParkedRetriesEveryParkedEntryAndJsonPrintsTheDocument() throws Exception {
    seed();
    Run r = vigil("notifications", "retry", "--all-parked", "--json");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode doc = r.json();
    assertThat(doc.get("retried")).hasSize(1);
    assertThat(doc.get("retried").get(0).get("kind").asText()).isEqualTo("resolved");
    assertThat(doc.get("missing")).isEmpty();
    assertThat(doc.get("not_parked")).isEmpty();
    Run again = vigil("notifications", "retry", "--all-parked");
    assertThat(again.exit()).isZero();
    assertThat(again.out()).isEqualTo("no parked notifications" + System.lineSeparator());
  }

  @Test
  void idsNotInTheQueueOrNotParkedAreNamedAndNothingIsRetried() throws Exception {
    List<NotificationQueue.Pending> queued = seed();
    long parked = queued.get(0).id();
    long waiting = queued.get(1).id();
    Run r = vigil("notifications", "retry", Long.toString(parked), "99", Long.toString(waiting));
    assertThat(r.exit()).isEqualTo(Cli.NOT_OK);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("vigil notifications: no notification 99; notification " + waiting
        + " is not parked (it waits for its next attempt); nothing was retried");
    assertThat(vigil("notifications", "--parked", "--json").json()).hasSize(1);

    assertThat(vigil("notifications", "retry").exit()).isEqualTo(Cli.USAGE);
    Run both = vigil("notifications", "retry", "1", "--all-parked");
    assertThat(both.exit()).isEqualTo(Cli.USAGE);
    assertThat(both.err()).contains("give either IDs or --all-parked");
    assertThat(vigil("notifications", "retry", "one").exit()).isEqualTo(Cli.USAGE);
  }

  @Test
  void withoutAStoreItSaysSoAndCreatesNone() {
    Run list = vigil("notifications");
    assertThat(list.exit()).isEqualTo(Cli.NOT_OK);
    assertThat(list.err()).contains("vigil notifications: no signature store at");
    Run retry = vigil("notifications", "retry", "--all-parked");
    assertThat(retry.exit()).isEqualTo(Cli.NOT_OK);
    assertThat(retry.err()).contains("no signature store at");
    assertThat(db).doesNotExist();
  }
}
