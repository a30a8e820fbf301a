package dev.vigil.rounds.telemetry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.vigil.rounds.TelemetrySource;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the pull {@link TelemetrySource} for {@code TELEMETRY_BACKEND} from the merged config,
 * reading {@code vigil.rounds.telemetry.<backend>.*}, {@code vigil.rounds.telemetry.http.*} and
 * {@code vigil.rounds.telemetry.service-filter}; the defaults and the environment variables that
 * set them are in {@code telemetry-reference.conf}.
 *
 * <table>
 *   <caption>Settings per backend</caption>
 *   <tr><th>backend</th><th>required</th><th>optional</th></tr>
 *   <tr><td>{@code signoz}</td><td>{@code SIGNOZ_API_URL}, {@code SIGNOZ_API_KEY}</td><td></td></tr>
 *   <tr><td>{@code jaeger}</td><td>{@code JAEGER_API_URL}</td><td>{@code JAEGER_API_VERSION}
 *       (v1, v3, auto)</td></tr>
 *   <tr><td>{@code grafana_stack}</td><td>{@code GRAFANA_TEMPO_URL} and/or
 *       {@code GRAFANA_LOKI_URL}, or {@code GRAFANA_STACK_URL}</td><td>{@code GRAFANA_API_KEY},
 *       {@code GRAFANA_USER}, {@code GRAFANA_ORG_ID}</td></tr>
 *   <tr><td>{@code zipkin}</td><td>{@code ZIPKIN_API_URL}</td><td></td></tr>
 * </table>
 *
 * <p>All of them honour {@code SERVICE_FILTER}. Sources are thread-safe but meant for one poller.
 */
public final class TelemetrySources {
  /** The backends this factory builds, as {@code TELEMETRY_BACKEND} names them. */
  public static final List<String> BACKENDS = List.of("signoz", "jaeger", "grafana_stack", "zipkin");

  static final String ROOT = "vigil.rounds.telemetry";

  private TelemetrySources() {}

  /**
   * The source for {@code backend}, validated.
   *
   * @throws ConfigException naming the key (and its environment variable) that is missing or bad
   */
  public static TelemetrySource create(String backend, Config config) {
    return create(backend, config, Clock.systemUTC(), Sleeper.system());
  }

  static TelemetrySource create(String backend, Config config, Clock clock, Sleeper sleeper) {
    Config c = config.withFallback(ConfigFactory.parseResources(TelemetrySources.class.getClassLoader(), "telemetry-reference.conf")).resolve();
    HttpSettings settings = httpSettings(c);
    HttpClient client = TelemetryHttp.newClient(settings);
    ServiceFilter filter = ServiceFilter.parse(c.getString(ROOT + ".service-filter"));
    String p = ROOT + "." + backend + ".";
    Http http = new Http(backend, client, settings, clock, sleeper);
    return switch (backend) {
      case "signoz" -> signoz(c, p, filter, http);
      case "jaeger" -> jaeger(c, p, filter, http);
      case "grafana_stack" -> grafana(c, p, filter, http);
      case "zipkin" -> new ZipkinSource(url(c, p + "url", "ZIPKIN_API_URL", true), filter, http.with(Map.of()));
      default ->
          throw new ConfigException.Generic(
              "Unknown pull telemetry backend '" + backend + "' (TELEMETRY_BACKEND): expected one of "
                  + String.join(", ", BACKENDS));
    };
  }

  /** What every source's HTTP helper shares but its auth headers. */
  private record Http(String backend, HttpClient client, HttpSettings settings, Clock clock, Sleeper sleeper) {
    TelemetryHttp with(Map<String, String> headers) {
      return new TelemetryHttp(backend, client, settings, headers, clock, sleeper);
    }
  }

  private static TelemetrySource signoz(Config c, String p, ServiceFilter filter, Http http) {
    String url = url(c, p + "url", "SIGNOZ_API_URL", true);
    String key = c.getString(p + "api-key").strip();
    if (key.isEmpty()) {
      throw new ConfigException.BadValue(
          c.getValue(p + "api-key").origin(), p + "api-key", "is not set: set SIGNOZ_API_KEY to a SigNoz service-account API key");
    }
    return new SignozSource(url, filter, http.with(Map.of("SIGNOZ-API-KEY", key)));
  }

  private static TelemetrySource jaeger(Config c, String p, ServiceFilter filter, Http http) {
    String url = url(c, p + "url", "JAEGER_API_URL", true);
    String version = c.getString(p + "api-version").strip().toLowerCase(java.util.Locale.ROOT);
    JaegerSource.Api api =
        switch (version) {
          case "v1" -> JaegerSource.Api.V1;
          case "v3" -> JaegerSource.Api.V3;
          case "auto", "" -> JaegerSource.Api.AUTO;
          default ->
              throw new ConfigException.BadValue(
                  c.getValue(p + "api-version").origin(),
                  p + "api-version",
                  "(JAEGER_API_VERSION) must be v1, v3 or auto, got '" + version + "'");
        };
    return new JaegerSource(url, api, filter, http.with(Map.of()));
  }

  private static TelemetrySource grafana(Config c, String p, ServiceFilter filter, Http http) {
    String stack = url(c, p + "stack-url", "GRAFANA_STACK_URL", false);
    String tempoUrl = url(c, p + "tempo-url", "GRAFANA_TEMPO_URL", false);
    String lokiUrl = url(c, p + "loki-url", "GRAFANA_LOKI_URL", false);
    if (!stack.isEmpty()) {
      String proxy = stack + "/api/datasources/proxy/uid/";
      tempoUrl = tempoUrl.isEmpty() ? proxy + uid(c, p + "tempo-datasource-uid") : tempoUrl;
      lokiUrl = lokiUrl.isEmpty() ? proxy + uid(c, p + "loki-datasource-uid") : lokiUrl;
    }
    if (tempoUrl.isEmpty() && lokiUrl.isEmpty()) {
      throw new ConfigException.BadValue(
          c.getValue(p + "tempo-url").origin(),
          p + "tempo-url",
          "is not set: set GRAFANA_TEMPO_URL and/or GRAFANA_LOKI_URL, or GRAFANA_STACK_URL (" + p + "stack-url) for a Grafana"
              + " whose data-source proxy fronts both");
    }
    String key = c.getString(p + "api-key").strip();
    String user = c.getString(p + "user").strip();
    String auth = "";
    if (!user.isEmpty()) {
      if (key.isEmpty()) {
        throw new ConfigException.BadValue(
            c.getValue(p + "api-key").origin(), p + "api-key", "is not set but GRAFANA_USER is: set GRAFANA_API_KEY, the basic-auth password");
      }
      auth = "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + key).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } else if (!key.isEmpty()) {
      auth = "Bearer " + key;
    }
    TelemetryHttp h = http.with(headers("Authorization", auth, "X-Scope-OrgID", c.getString(p + "org-id").strip()));
    return new GrafanaStackSource(
        tempoUrl.isEmpty() ? null : new TempoTraces("grafana_stack", tempoUrl, filter, h),
        lokiUrl.isEmpty() ? null : new LokiLogs("grafana_stack", lokiUrl, c.getString(p + "loki-error-filter"), filter, h));
  }

  private static String uid(Config c, String path) {
    String uid = c.getString(path).strip();
    if (!uid.matches("[A-Za-z0-9._-]+")) {
      throw new ConfigException.BadValue(c.getValue(path).origin(), path, "must be a Grafana data-source uid, got '" + uid + "'");
    }
    return uid;
  }

  static HttpSettings httpSettings(Config c) {
    String h = ROOT + ".http.";
    int attempts = c.getInt(h + "max-attempts");
    if (attempts < 1 || attempts > 20) {
      throw new ConfigException.BadValue(c.origin(), h + "max-attempts", "must be between 1 and 20, got " + attempts);
    }
    return new HttpSettings(
        positive(c, h + "connect-timeout"),
        positive(c, h + "request-timeout"),
        attempts,
        positive(c, h + "initial-backoff"),
        positive(c, h + "max-backoff"),
        positive(c, h + "max-retry-after"));
  }

  private static Duration positive(Config c, String path) {
    Duration d = c.getDuration(path);
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException.BadValue(c.getValue(path).origin(), path, "must be a positive duration, got " + d);
    }
    return d;
  }

  /** The URL at {@code path}, checked to be absolute http(s); empty only when not required. */
  static String url(Config c, String path, String variable, boolean required) {
    String value = c.getString(path).strip();
    if (value.isEmpty()) {
      if (required) {
        throw new ConfigException.BadValue(
            c.getValue(path).origin(), path, "is not set: set " + variable + " to the backend's base URL");
      }
      return "";
    }
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new ConfigException.BadValue(
            c.getValue(path).origin(), path, "(" + variable + ") must be an absolute http(s) URL, got '" + TelemetryHttp.redact(uri) + "'");
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new ConfigException.BadValue(
            c.getValue(path).origin(), path, "(" + variable + ") must be a base URL without query or fragment");
      }
    } catch (URISyntaxException e) {
      throw new ConfigException.BadValue(c.getValue(path).origin(), path, "(" + variable + ") is not a URL: " + e.getMessage());
    }
    return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
  }

  static Map<String, String> headers(String... keyValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      if (!keyValues[i + 1].isEmpty()) {
        m.put(keyValues[i], keyValues[i + 1]);
      }
    }
    return m;
  }
}
