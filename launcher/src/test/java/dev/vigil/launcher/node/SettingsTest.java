package dev.vigil.launcher.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @TempDir Path dir;

  @Test
  void defaultsComeFromTheReferenceFile() {
    Settings s = Settings.load(null, null, Map.of());
    assertThat(s.httpHost()).isEqualTo("127.0.0.1");
    assertThat(s.httpPort()).isEqualTo(8790);
    assertThat(s.stateDir()).isEqualTo(Path.of(".vigil"));
    assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.profileDaemons()).isEmpty();
  }

  @Test
  void profileThenUserFileThenEnvironment() throws Exception {
    Path profile = Files.writeString(dir.resolve("p.conf"),
        "vigil { http.port = 9000, shutdown-timeout = 7s, profile.daemons = [A, b] }");
    Path user = Files.writeString(dir.resolve("u.conf"), "vigil { http.port = 9100 }");
    Settings s = Settings.load(profile, user, Map.of("VIGIL_STATE_DIR", "/var/lib/vigil"));
    assertThat(s.httpPort()).isEqualTo(9100);
    assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(s.stateDir()).isEqualTo(Path.of("/var/lib/vigil"));
    assertThat(Settings.load(profile, user, Map.of("VIGIL_SHUTDOWN_TIMEOUT", "5s")).shutdownTimeout())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(s.profileDaemons()).containsExactly("A", "b");

    assertThat(Settings.load(profile, user, Map.of("VIGIL_HEALTH_PORT", "0")).httpPort()).isZero();
  }

  @Test
  void everyBadValueIsReportedWithKeyValueAndOrigin() throws Exception {
    Path user = Files.writeString(dir.resolve("u.conf"), "vigil { shutdown-timeout = 0s }");
    assertThatThrownBy(
            () ->
                Settings.load(
                    null,
                    user,
                    Map.of("VIGIL_HEALTH_PORT", "99999")))
        .isInstanceOf(BadConfigException.class)
        .satisfies(
            e ->
                assertThat(((BadConfigException) e).problems())
                    .containsExactlyInAnyOrder(
                        "vigil.http.port = \"99999\" (from environment variable VIGIL_HEALTH_PORT)"
                            + " must be between 0 and 65535",
                        "vigil.shutdown-timeout = \"0s\" (from " + originOf(user) + ") must be positive"));
  }

  private static String originOf(Path file) {
    return file + ": 1";
  }

  @Test
  void aMissingOrBrokenFileIsReported() throws Exception {
    Path broken = Files.writeString(dir.resolve("b.conf"), "vigil { http.port = ");
    assertThatThrownBy(() -> Settings.load(dir.resolve("none.conf"), broken, Map.of()))
        .isInstanceOf(BadConfigException.class)
        .hasMessageContaining("profile file " + dir.resolve("none.conf") + " does not exist")
        .hasMessageContaining("--config file " + broken + " is not valid HOCON");
  }
}
