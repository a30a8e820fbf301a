package dev.vigil.rounds.otlp;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How the OTLP receiver listens and what it keeps, read from {@code vigil.daemons.OTLP_RECEIVER}
 * (defaults in {@code otlp-reference.conf}):
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>environment</th><th>meaning</th></tr>
 *   <tr><td>{@code http-host}</td><td>127.0.0.1</td><td>OTLP_HTTP_HOST</td>
 *       <td>address both transports bind, and only it</td></tr>
 *   <tr><td>{@code http-port}</td><td>4318</td><td>OTLP_HTTP_PORT</td>
 *       <td>OTLP/HTTP port; 0 picks a free one</td></tr>
 *   <tr><td>{@code grpc-enabled}</td><td>true</td><td></td><td>whether OTLP/gRPC is served</td></tr>
 *   <tr><td>{@code grpc-port}</td><td>4317</td><td>OTLP_GRPC_PORT</td>
 *       <td>OTLP/gRPC port; 0 picks a free one</td></tr>
 *   <tr><td>{@code max-body-bytes}</td><td>20 MiB</td><td></td>
 *       <td>largest request body (after decompression) or gRPC message; larger ones get 413</td></tr>
 *   <tr><td>{@code buffer.max-spans}</td><td>10000</td><td></td>
 *       <td>recent spans kept for diagnosis; 0 keeps none</td></tr>
 *   <tr><td>{@code buffer.max-logs}</td><td>10000</td><td></td>
 *       <td>recent log records (with a trace id) kept; 0 keeps none</td></tr>
 *   <tr><td>{@code buffer.max-age}</td><td>15 minutes</td><td></td>
 *       <td>how long buffered items are kept</td></tr>
 * </table>
 *
 * @param httpHost the address to bind
 * @param httpPort the OTLP/HTTP port, 0 for an ephemeral one
 * @param grpcEnabled whether to serve OTLP/gRPC
 * @param grpcPort the OTLP/gRPC port, 0 for an ephemeral one
 * @param maxBodyBytes the largest body or message accepted, in bytes
 * @param buffer the bounds of the recent telemetry buffer
 */
public record OtlpSettings(
    String httpHost,
    int httpPort,
    boolean grpcEnabled,
    int grpcPort,
    int maxBodyBytes,
    Buffer buffer) {
  /** Where the receiver's settings live in the node's configuration. */
  public static final String PATH = "vigil.daemons.OTLP_RECEIVER";

  /** Rejects values the receiver cannot use. */
  public OtlpSettings {
    Objects.requireNonNull(httpHost, "httpHost");
    Objects.requireNonNull(buffer, "buffer");
    if (httpHost.isBlank()) {
      throw new IllegalArgumentException("httpHost must not be blank");
    }
    checkPort("httpPort", httpPort);
    checkPort("grpcPort", grpcPort);
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes " + maxBodyBytes + " must be positive");
    }
  }

  private static void checkPort(String what, int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(what + " " + port + " is not between 0 and 65535");
    }
  }

  /** Loopback, ephemeral ports for both transports, small limits: for tests and embedding. */
  public static OtlpSettings ephemeral() {
    return new OtlpSettings(
        "127.0.0.1", 0, true, 0, 20 * 1024 * 1024, new Buffer(10_000, 10_000, Duration.ofMinutes(15)));
  }

  /** A copy with this body limit. */
  public OtlpSettings withMaxBodyBytes(int value) {
    return new OtlpSettings(httpHost, httpPort, grpcEnabled, grpcPort, value, buffer);
  }

  /** A copy with gRPC on or off. */
  public OtlpSettings withGrpc(boolean enabled) {
    return new OtlpSettings(httpHost, httpPort, enabled, grpcPort, maxBodyBytes, buffer);
  }

  /**
   * The bounds of the recent telemetry buffer ({@link RecentTelemetry}).
   *
   * @param maxSpans spans kept at most, 0 for none
   * @param maxLogs log records kept at most, 0 for none
   * @param maxAge how long items are kept after they arrived
   */
  public record Buffer(int maxSpans, int maxLogs, Duration maxAge) {
    /** Rejects negative counts and a non-positive age. */
    public Buffer {
      Objects.requireNonNull(maxAge, "maxAge");
      if (maxSpans < 0 || maxLogs < 0) {
        throw new IllegalArgumentException("buffer sizes must not be negative");
      }
      if (maxAge.isZero() || maxAge.isNegative()) {
        throw new IllegalArgumentException("buffer maxAge " + maxAge + " must be positive");
      }
    }
  }

  /**
   * Reads the settings from the node's merged, resolved configuration (the whole tree).
   *
   * @throws ConfigException.ValidationFailed naming every bad key, its value, where it came from
   *     and why
   * @throws ConfigException.Missing if the section is absent (the module's reference.conf was not
   *     loaded)
   */
  public static OtlpSettings from(Config root) {
    Config c = root.getConfig(PATH);
    Reader r = new Reader(c, new ArrayList<>());
    String host = r.host("http-host");
    int httpPort = r.port("http-port");
    boolean grpc = r.bool("grpc-enabled");
    int grpcPort = r.port("grpc-port");
    int maxBody = r.bytes("max-body-bytes");
    int maxSpans = r.count("buffer.max-spans");
    int maxLogs = r.count("buffer.max-logs");
    Duration maxAge = r.positiveDuration("buffer.max-age");
    if (!r.problems().isEmpty()) {
      throw new ConfigException.ValidationFailed(r.problems());
    }
    return new OtlpSettings(
        host, httpPort, grpc, grpcPort, maxBody, new Buffer(maxSpans, maxLogs, maxAge));
  }

  /** Reads typed values, turning each failure into a problem that names path, value and why. */
  private record Reader(Config c, List<ConfigException.ValidationProblem> problems) {
    String host(String key) {
      try {
        String v = c.getString(key).strip();
        if (v.isEmpty()) {
          problem(key, "must not be blank (e.g. 127.0.0.1)");
        }
        return v.isEmpty() ? "127.0.0.1" : v;
      } catch (ConfigException e) {
        problem(key, "is not a host name or address", e);
        return "127.0.0.1";
      }
    }

    int port(String key) {
      try {
        int v = c.getInt(key);
        if (v < 0 || v > 65_535) {
          problem(key, "must be a port between 0 and 65535 (0 picks a free one)");
          return 0;
        }
        return v;
      } catch (ConfigException e) {
        problem(key, "is not a port number", e);
        return 0;
      }
    }

    boolean bool(String key) {
      try {
        return c.getBoolean(key);
      } catch (ConfigException e) {
        problem(key, "is not true or false", e);
        return false;
      }
    }

    int bytes(String key) {
      try {
        long v = c.getBytes(key);
        if (v < 1024 || v > Integer.MAX_VALUE - 16) {
          problem(key, "must be between 1 KiB and 2 GiB");
          return 1024;
        }
        return (int) v;
      } catch (ConfigException e) {
        problem(key, "is not a size in bytes (e.g. 20 MiB or 20971520)", e);
        return 1024;
      }
    }

    int count(String key) {
      try {
        int v = c.getInt(key);
        if (v < 0 || v > 10_000_000) {
          problem(key, "must be between 0 and 10000000");
          return 0;
        }
        return v;
      } catch (ConfigException e) {
        problem(key, "is not a whole number", e);
        return 0;
      }
    }

    Duration positiveDuration(String key) {
      try {
        Duration d = c.getDuration(key);
        if (d.isZero() || d.isNegative()) {
          problem(key, "must be positive");
          return Duration.ofMinutes(1);
        }
        return d;
      } catch (ConfigException e) {
        problem(key, "is not a duration (e.g. 15 minutes, 900s)", e);
        return Duration.ofMinutes(1);
      }
    }

    private void problem(String key, String why) {
      problem(key, why, null);
    }

    private void problem(String key, String why, ConfigException cause) {
      String value;
      ConfigOrigin origin = null;
      try {
        value = c.getValue(key).render(ConfigRenderOptions.concise());
        origin = c.getValue(key).origin();
      } catch (ConfigException missing) {
        value = "(missing)";
      }
      String detail = cause == null ? "" : " (" + cause.getMessage() + ")";
      problems.add(
          new ConfigException.ValidationProblem(
              PATH + "." + key, origin, "value " + value + " " + why + detail));
    }
  }
}
