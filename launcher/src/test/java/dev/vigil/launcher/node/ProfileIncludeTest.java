package dev.vigil.launcher.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A profile file can {@code include} another one, relative to itself, and override it. */
class ProfileIncludeTest {
  @TempDir Path dir;

  @Test
  void anIncludedProfilesDaemonsAndSettingsApplyAndTheIncludingFileWins() throws Exception {
    Files.writeString(
        dir.resolve("base.conf"),
        """
        # base: shared by the roles
        vigil {
          http.port = 9000
          shutdown-timeout = 7s
          profile.daemons = [HEALTH_SERVER]
        }
        """);
    Path plain = Files.writeString(dir.resolve("plain.conf"), "include \"base.conf\"\n");
    Path overriding =
        Files.writeString(
            dir.resolve("overriding.conf"),
            """
            include "base.conf"
            vigil.http.port = 9100
            vigil.profile.daemons = [A, B]
            """);

    Settings included = Settings.load(plain, null, Map.of());
    assertThat(included.httpPort()).isEqualTo(9000);
    assertThat(included.shutdownTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(included.profileDaemons()).containsExactly("HEALTH_SERVER");

    Settings overridden = Settings.load(overriding, null, Map.of());
    assertThat(overridden.httpPort()).isEqualTo(9100);
    assertThat(overridden.shutdownTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(overridden.profileDaemons()).containsExactly("A", "B");
  }

  @Test
  void theIncludeIsRelativeToTheIncludingFileNotTheWorkingDirectory() throws Exception {
    Path roles = Files.createDirectories(dir.resolve("deep/roles"));
    Files.copy(Path.of("../profiles/standalone.conf"), roles.resolve("standalone.conf"));
    Path mine =
        Files.writeString(
            roles.resolve("mine.conf"),
            "include \"standalone.conf\"\nvigil.state-dir = \"/srv/vigil\"\n");

    Settings s = Settings.load(mine, null, Map.of());
    assertThat(s.stateDir()).isEqualTo(Path.of("/srv/vigil"));
    assertThat(s.profileDaemons()).contains("SANDBOX_HEALTH", "OTLP_RECEIVER");
    assertThat(Settings.effective(mine, null, Map.of()).getValue("vigil.profile.daemons").origin()
            .description())
        .contains("standalone.conf");
  }
}
