package dev.vigil.launcher.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil validate --show-config}: the effective settings, with secrets redacted. */
class SettingsRenderTest {
  @TempDir Path dir;

  @Test
  void keysThatLookSecretAreRedactedWhateverTheirCase() {
    Config config =
        ConfigFactory.parseString(
            """
            vigil {
              test-token = "abc"
              db { Password = "pw1", user = "bob" }
              apiKey = 42
              client-secret = "s3"
              credentials { user = "u", pass = "p2" }
              tokens = ["t1", "t2"]
              http.port = 8790
            }
            other.password = "not shown at all"
            """);
    String shown = Settings.render(config);
    assertThat(shown).doesNotContain("abc", "pw1", "42", "s3", "p2", "t1", "t2", "not shown");
    assertThat(shown)
        .contains("test-token=\"<redacted>\"")
        .contains("Password=\"<redacted>\"")
        .contains("apiKey=\"<redacted>\"")
        .contains("credentials=\"<redacted>\"")
        .contains("user=bob")
        .contains("port=8790")
        .startsWith("vigil {");
  }

  @Test
  void credentialsInUrlsAreRedactedAndTheRestOfTheUrlKept() {
    Config config =
        ConfigFactory.parseString(
            """
            vigil.store {
              url = "postgres://bob:hunter2@db.example:5432/vigil"
              mirrors = ["https://user:pw@mirror.example/x", "https://plain.example/"]
            }
            """);
    String shown = Settings.render(config);
    assertThat(shown).doesNotContain("hunter2", "bob", "user:pw");
    assertThat(shown)
        .contains("postgres://<redacted>@db.example:5432/vigil")
        .contains("https://<redacted>@mirror.example/x")
        .contains("https://plain.example/");
  }

  @Test
  void theEffectiveConfigShowsEveryLayerWithWhereEachValueCameFrom() throws Exception {
    Path profile = Files.writeString(dir.resolve("p.conf"), "vigil.profile.daemons = [A]\n");
    Path user =
        Files.writeString(dir.resolve("u.conf"), "vigil { test-token = \"abc\", http.port = 9100 }");
    Config effective = Settings.effective(profile, user, Map.of("VIGIL_STATE_DIR", "/srv/v"));
    String shown = Settings.render(effective);
    assertThat(shown)
        .doesNotContain("abc")
        .contains("# " + user + ": 1")
        .contains("port=9100")
        .contains("# " + profile + ": 1")
        .contains("daemons=[")
        .contains("# environment")
        .contains("state-dir=\"/srv/v\"")
        .contains("# reference.conf (built in)")
        .contains("shutdown-timeout=\"30s\"");
    assertThat(ConfigFactory.parseString(shown).getString("vigil.test-token"))
        .as("the output is HOCON again")
        .isEqualTo("<redacted>");
    assertThat(Settings.from(Settings.sources(profile, user, Map.of("VIGIL_STATE_DIR", "/srv/v"))))
        .as("load is effective then from")
        .isEqualTo(Settings.load(profile, user, Map.of("VIGIL_STATE_DIR", "/srv/v")));
  }
}
