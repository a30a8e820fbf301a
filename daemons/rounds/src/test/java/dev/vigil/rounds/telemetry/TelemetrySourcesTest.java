package dev.vigil.rounds.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetrySourcesTest {
  static Config config(String... keyValues) {
    return TestConfigs.telemetry(keyValues);
  }

  @Test
  void eachBackendIsBuiltFromItsSettings() {
    assertThat(TelemetrySources.create("zipkin", config("zipkin.url", "http://zipkin:9411/")).name()).isEqualTo("zipkin");
    assertThat(TelemetrySources.create("jaeger", config("jaeger.url", "http://jaeger:16686")).name()).isEqualTo("jaeger");
    assertThat(TelemetrySources.create("signoz", config("signoz.url", "https://signoz.example.com", "signoz.api-key", "k")).name())
        .isEqualTo("signoz");
    assertThat(TelemetrySources.create("grafana_stack", config("grafana_stack.stack-url", "https://grafana.example.com")).name())
        .isEqualTo("grafana_stack");
  }

  @Test
  void aMissingUrlNamesTheKeyAndTheVariable() {
    assertThatThrownBy(() -> TelemetrySources.create("zipkin", config()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.rounds.telemetry.zipkin.url")
        .hasMessageContaining("ZIPKIN_API_URL");
    assertThatThrownBy(() -> TelemetrySources.create("jaeger", config()))
        .hasMessageContaining("JAEGER_API_URL");
    assertThatThrownBy(() -> TelemetrySources.create("grafana_stack", config()))
        .hasMessageContaining("GRAFANA_TEMPO_URL")
        .hasMessageContaining("GRAFANA_STACK_URL");
  }

  @Test
  void signozNeedsItsApiKey() {
    assertThatThrownBy(() -> TelemetrySources.create("signoz", config("signoz.url", "http://signoz:8080")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.rounds.telemetry.signoz.api-key")
        .hasMessageContaining("SIGNOZ_API_KEY");
  }

  @Test
  void aGrafanaUserNeedsTheKeyAsPassword() {
    assertThatThrownBy(
            () -> TelemetrySources.create("grafana_stack", config("grafana_stack.tempo-url", "http://tempo:3200", "grafana_stack.user", "42")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("GRAFANA_API_KEY");
  }

  @Test
  void badValuesAreRejectedWithTheValueAndWhy() {
    assertThatThrownBy(() -> TelemetrySources.create("zipkin", config("zipkin.url", "zipkin:9411")))
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining("absolute http(s) URL");
    assertThatThrownBy(() -> TelemetrySources.create("zipkin", config("zipkin.url", "ftp://zipkin")))
        .isInstanceOf(ConfigException.BadValue.class);
    assertThatThrownBy(() -> TelemetrySources.create("jaeger", config("jaeger.url", "http://j", "jaeger.api-version", "v2")))
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining("JAEGER_API_VERSION")
        .hasMessageContaining("'v2'");
    assertThatThrownBy(() -> TelemetrySources.create("zipkin", config("zipkin.url", "http://z", "http.max-attempts", "0")))
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining("max-attempts");
    assertThatThrownBy(() -> TelemetrySources.create("zipkin", config("zipkin.url", "http://z", "http.request-timeout", "0s")))
        .isInstanceOf(ConfigException.BadValue.class)
        .hasMessageContaining("request-timeout");
  }

  @Test
  void aPasswordInTheUrlIsNotRepeatedInTheError() {
    assertThatThrownBy(() -> TelemetrySources.create("zipkin", config("zipkin.url", "gopher://user:hunter2@zipkin")))
        .isInstanceOf(ConfigException.class)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void anUnknownBackendIsAConfigError() {
    assertThatThrownBy(() -> TelemetrySources.create("otlp", config()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("TELEMETRY_BACKEND")
        .hasMessageContaining("signoz, jaeger, grafana_stack, zipkin");
  }

  @Test
  void theReferenceDeclaresEveryVariableOnAKeyItDefines() {
    Config reference = ConfigFactory.parseResources("telemetry-reference.conf").resolve();
    Map<String, Object> env = reference.getConfig("vigil.environment").root().unwrapped();
    assertThat(env)
        .containsKeys(
            "SERVICE_FILTER", "SIGNOZ_API_URL", "SIGNOZ_API_KEY", "JAEGER_API_URL", "JAEGER_API_VERSION", "GRAFANA_STACK_URL",
            "GRAFANA_TEMPO_URL", "GRAFANA_LOKI_URL", "GRAFANA_API_KEY", "GRAFANA_USER", "GRAFANA_ORG_ID", "ZIPKIN_API_URL");
    env.values().forEach(path -> assertThat(reference.hasPath((String) path)).as(path.toString()).isTrue());
    HttpSettings defaults = TelemetrySources.httpSettings(reference);
    assertThat(defaults.maxAttempts()).isEqualTo(4);
    assertThat(defaults.backoff(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(defaults.backoff(3)).isEqualTo(Duration.ofSeconds(2));
    assertThat(defaults.backoff(20)).isEqualTo(Duration.ofSeconds(30));
  }
}
