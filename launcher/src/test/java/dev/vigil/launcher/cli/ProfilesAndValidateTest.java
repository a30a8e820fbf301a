package dev.vigil.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil profiles} and {@code vigil validate}, in process. */
class ProfilesAndValidateTest {
  @TempDir Path home;

  record Result(int exit, String out, String err) {}

  private Result vigil(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cli.run(args, new PrintWriter(out), new PrintWriter(err), env, home);
    return new Result(exit, out.toString(), err.toString());
  }

  private Path profiles() throws Exception {
    return Files.createDirectories(home.resolve("profiles"));
  }

  @Test
  void profilesListsEachFileWithItsDaemonsAndFirstCommentIncludesCounted() throws Exception {
    Files.writeString(
        profiles().resolve("base.conf"),
        "# base: what every role shares\nvigil.profile.daemons = [HEALTH_SERVER]\n");
    Files.writeString(
        profiles().resolve("role.conf"),
        "\n// role: runs what base runs\ninclude \"base.conf\"\n# a second comment\n");
    Files.writeString(profiles().resolve("notes.txt"), "not a profile");

    Result text = vigil(Map.of(), "profiles");
    assertThat(text.exit()).as(text.err()).isZero();
    assertThat(text.out())
        .isEqualTo(
            """
            base  what every role shares
                  daemons: HEALTH_SERVER; always HEALTH_SERVER, DAEMON_WATCHDOG, EVENT_ROUTER
            role  runs what base runs
                  daemons: HEALTH_SERVER; always HEALTH_SERVER, DAEMON_WATCHDOG, EVENT_ROUTER
            """);

    Result json = vigil(Map.of(), "profiles", "--json");
    assertThat(json.exit()).isZero();
    JsonNode doc = new ObjectMapper().readTree(json.out());
    assertThat(doc.path("profiles").findValuesAsText("name")).containsExactly("base", "role");
    assertThat(doc.path("profiles").get(1).path("description").asText())
        .isEqualTo("runs what base runs");
    assertThat(doc.path("profiles").get(1).path("always").toString())
        .isEqualTo("[\"HEALTH_SERVER\",\"DAEMON_WATCHDOG\",\"EVENT_ROUTER\"]");
  }

  @Test
  void theVersionIsPrintedByTheCommandAndByTheUsualOptions() throws Exception {
    Result command = vigil(Map.of(), "version");
    assertThat(command.exit()).isZero();
    assertThat(command.out()).matches("vigil \\S+\n");
    for (String option : new String[] {"--version", "-V"}) {
      Result r = vigil(Map.of(), option);
      assertThat(r.exit()).as(option).isZero();
      assertThat(r.out()).as(option).isEqualTo(command.out());
    }
  }

  @Test
  void theRunbooksHelpIsWhatVigilPrints() throws Exception {
    // docs/operations.md shows `vigil --help`: it must not drift from the commands and options
    String runbook = Files.readString(Path.of("../docs/operations.md"));
    int from = runbook.indexOf("$ scripts/vigil --help\n");
    assertThat(from).as("the --help transcript in docs/operations.md").isNotNegative();
    from += "$ scripts/vigil --help\n".length();
    String shown = runbook.substring(from, runbook.indexOf("```", from));
    Result help = vigil(Map.of(), "--help");
    assertThat(help.exit()).isZero();
    assertThat(shown).as("docs/operations.md's --help, as it prints now:%n%s", help.out()).isEqualTo(help.out());
  }

  @Test
  void aBrokenProfileExits78NamingItAndTheOthersAreStillListed() throws Exception {
    Files.writeString(profiles().resolve("good.conf"), "# good: fine\nvigil.profile.daemons = []\n");
    Files.writeString(profiles().resolve("bad.conf"), "vigil.profile { daemons = [\n");
    Files.writeString(profiles().resolve("odd.conf"), "vigil.http.port = many\n");

    Result r = vigil(Map.of("VIGIL_HEALTH_PORT", "not looked at"), "profiles");
    assertThat(r.exit()).isEqualTo(78);
    assertThat(r.out()).contains("good  fine").doesNotContain("bad", "odd");
    assertThat(r.err())
        .contains("profile bad: profile file " + profiles().resolve("bad.conf") + " is not valid HOCON")
        .contains("profile odd: vigil.http.port = \"many\"");
  }

  @Test
  void profilesReadsVigilProfileDirFirst() throws Exception {
    Path other = Files.createDirectories(home.resolve("elsewhere"));
    Files.writeString(other.resolve("x.conf"), "# x: the only one\n");
    Result r = vigil(Map.of("VIGIL_PROFILE_DIR", other.toString()), "profiles");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("x  the only one\n");
    assertThat(vigil(Map.of("VIGIL_PROFILE_DIR", home.resolve("none").toString()), "profiles").exit())
        .isEqualTo(78);
  }

  @Test
  void validateTakesTheOptionsBeforeOrAfterTheCommandName() throws Exception {
    Files.writeString(profiles().resolve("standalone.conf"), "vigil.profile.daemons = []\n");
    Files.writeString(profiles().resolve("r.conf"), "vigil.profile.daemons = [health_server]\n");
    Result plain = vigil(Map.of(), "validate");
    assertThat(plain.exit()).as(plain.err()).isZero();
    assertThat(plain.out())
        .isEqualTo(
            "configuration ok: profile standalone, daemons HEALTH_SERVER, DAEMON_WATCHDOG,"
                + " EVENT_ROUTER (built-ins only)\n");
    assertThat(vigil(Map.of(), "--profile", "r", "validate").out()).contains("profile r,");
    assertThat(vigil(Map.of(), "validate", "--profile", "r").out()).contains("profile r,");
    Result missing = vigil(Map.of(), "validate", "--profile", "nope");
    assertThat(missing.exit()).isEqualTo(78);
    assertThat(missing.err()).contains("profile 'nope' not found");
  }

  @Test
  void validateReportsEveryProblemAtOnce() throws Exception {
    Path p =
        Files.writeString(
            home.resolve("p.conf"),
            """
            vigil.http.prot = 9000
            vigil.daemons.HEALTH_SERVER { stop-timeout = soon, colour = blue }
            vigil.daemons.FLAKY { class = "dev.vigil.launcher.plugins.NotADaemon" }
            """);
    Result r = vigil(Map.of(), "validate", "--profile-file", p.toString());
    assertThat(r.exit()).isEqualTo(78);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .contains("vigil.http.prot = 9000 (from " + p + ": 1) is not a key vigil knows")
        .contains("known under vigil.http: host, port")
        .contains(
            "vigil.daemons.HEALTH_SERVER.stop-timeout = \"soon\" (from "
                + p
                + ": 2) is not a duration")
        .contains("vigil.daemons.HEALTH_SERVER.colour = \"blue\" (from " + p + ": 2) is not a key of"
            + " HEALTH_SERVER")
        .contains(
            "vigil.daemons.FLAKY.class = \"dev.vigil.launcher.plugins.NotADaemon\" (from "
                + p
                + ": 3): dev.vigil.launcher.plugins.NotADaemon does not implement"
                + " dev.vigil.core.Daemon");
  }

  @Test
  void validateNamesEveryUnknownDaemonWithTheKnownOnes() throws Exception {
    Path p = Files.writeString(home.resolve("p.conf"), "vigil.profile.daemons = [A, event_router, b]\n");
    Result r = vigil(Map.of(), "validate", "--profile-file", p.toString());
    assertThat(r.exit()).isEqualTo(78);
    assertThat(r.err())
        .contains("unknown daemon 'A' (known: DAEMON_WATCHDOG, DIAGNOSIS, EVENT_ROUTER, HEALTH_SERVER, OTLP_RECEIVER, SANDBOX_HEALTH, SIGNATURE_STORE, TELEMETRY_POLLER)")
        .contains("unknown daemon 'b' (known: DAEMON_WATCHDOG, DIAGNOSIS, EVENT_ROUTER, HEALTH_SERVER, OTLP_RECEIVER, SANDBOX_HEALTH, SIGNATURE_STORE, TELEMETRY_POLLER)")
        .doesNotContain("event_router'");
  }

  @Test
  void showConfigPutsTheConfigAloneOnStdout() throws Exception {
    Files.writeString(profiles().resolve("standalone.conf"), "vigil.profile.daemons = []\n");
    Path user =
        Files.writeString(
            home.resolve("u.conf"),
            """
            vigil.daemons.FLAKY {
              class = "dev.vigil.launcher.plugins.CrashOnRequestDaemon"
              settings { trigger-file = "/tmp/x", api-token = "abc" }
            }
            """);
    Result r = vigil(Map.of(), "validate", "--show-config", "--config", user.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("vigil {").endsWith("}\n").doesNotContain("abc", "configuration ok");
    assertThat(r.out()).contains("api-token=\"<redacted>\"").contains("trigger-file=\"/tmp/x\"");
    assertThat(r.err()).startsWith("configuration ok: profile standalone");
  }
}
