package dev.vigil.rounds.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OtlpSettingsTest {
  private static Config defaults() {
    return ConfigFactory.parseResources("otlp-reference.conf");
  }

  @Test
  void theShippedDefaults() {
    OtlpSettings s = OtlpSettings.from(defaults().resolve());

    assertThat(s.httpHost()).isEqualTo("127.0.0.1");
    assertThat(s.httpPort()).isEqualTo(4318);
    assertThat(s.grpcEnabled()).isTrue();
    assertThat(s.grpcPort()).isEqualTo(4317);
    assertThat(s.maxBodyBytes()).isEqualTo(20 * 1024 * 1024);
    assertThat(s.buffer()).isEqualTo(new OtlpSettings.Buffer(10_000, 10_000, Duration.ofMinutes(15)));
  }

  @Test
  void theEnvironmentVariablesAreDeclaredForTheirKeys() {
    Config env = defaults().getConfig("vigil.environment");

    assertThat(env.getString("OTLP_HTTP_PORT")).isEqualTo(OtlpSettings.PATH + ".http-port");
    assertThat(env.getString("OTLP_HTTP_HOST")).isEqualTo(OtlpSettings.PATH + ".http-host");
    assertThat(env.getString("OTLP_GRPC_PORT")).isEqualTo(OtlpSettings.PATH + ".grpc-port");
    // every declared key exists, so the launcher can apply the variables
    env.root().unwrapped().values().forEach(key -> assertThat(defaults().hasPath((String) key)).isTrue());
  }

  @Test
  void overridesAsTheLauncherAppliesThem() {
    Config user =
        ConfigFactory.parseString(
            OtlpSettings.PATH + " { http-port = \"0\", http-host = \"0.0.0.0\", max-body-bytes = 1048576, buffer.max-age = 90s }");

    OtlpSettings s = OtlpSettings.from(user.withFallback(defaults()).resolve());

    assertThat(s.httpPort()).isZero();
    assertThat(s.httpHost()).isEqualTo("0.0.0.0");
    assertThat(s.maxBodyBytes()).isEqualTo(1_048_576);
    assertThat(s.buffer().maxAge()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void everyBadValueIsReportedAtOnceWithPathValueAndReason() {
    Config bad =
        ConfigFactory.parseString(
            OtlpSettings.PATH
                + " { http-port = 70000, grpc-port = \"abc\", max-body-bytes = \"lots\","
                + " buffer { max-spans = -1, max-age = 0s } }");

    assertThatThrownBy(() -> OtlpSettings.from(bad.withFallback(defaults()).resolve()))
        .isInstanceOf(ConfigException.ValidationFailed.class)
        .hasMessageContaining(OtlpSettings.PATH + ".http-port: value 70000 must be a port between 0 and 65535")
        .hasMessageContaining(OtlpSettings.PATH + ".grpc-port: value \"abc\" is not a port number")
        .hasMessageContaining(OtlpSettings.PATH + ".max-body-bytes: value \"lots\" is not a size in bytes")
        .hasMessageContaining(OtlpSettings.PATH + ".buffer.max-spans: value -1 must be between 0")
        .hasMessageContaining(OtlpSettings.PATH + ".buffer.max-age: value \"0s\" must be positive");
  }
}
