package dev.vigil.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.launcher.node.StateDir;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A client of the running node over its HTTP port: what {@code --status}, {@code --stop} and the
 * one-daemon commands use. It never builds a manager of its own. The node is found through, in
 * order, {@code --url}, {@code VIGIL_HTTP_HOST}/{@code VIGIL_HEALTH_PORT}, then {@code node.json}
 * in the state directory; the token through {@code VIGIL_TOKEN}, {@code --token-file}, then the
 * state directory.
 *
 * <p>It speaks HTTP through {@link HttpURLConnection} rather than {@code java.net.http}: the latter
 * sets up TLS (and reads the CA certificates) even for a plain {@code http://} call, a third of a
 * {@code vigil --status}'s start-up.
 */
final class NodeClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private final URI base;
  private final Optional<String> token;

  NodeClient(URI base, Optional<String> token) {
    this.base = base;
    this.token = token;
  }

  /** Finds the node as described in the class comment. */
  static NodeClient locate(
      String url, Path tokenFile, Path stateDir, Map<String, String> env) {
    URI base;
    if (url != null) {
      base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } else if (given(env, "VIGIL_HTTP_HOST") || given(env, "VIGIL_HEALTH_PORT")) {
      base =
          URI.create(
              "http://"
                  + (given(env, "VIGIL_HTTP_HOST") ? env.get("VIGIL_HTTP_HOST").strip() : "127.0.0.1")
                  + ":"
                  + (given(env, "VIGIL_HEALTH_PORT") ? env.get("VIGIL_HEALTH_PORT").strip() : "8790"));
    } else {
      base =
          StateDir.readNode(stateDir)
              .map(n -> URI.create(String.valueOf(n.get("http_url"))))
              .orElse(URI.create("http://127.0.0.1:8790"));
    }
    Optional<String> token = Optional.ofNullable(env.get("VIGIL_TOKEN"));
    if (token.isEmpty() && tokenFile != null) {
      try {
        token = Optional.of(Files.readString(tokenFile).strip());
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read token file " + tokenFile + ": " + e.getMessage());
      }
    }
    if (token.isEmpty()) {
      token = StateDir.readToken(stateDir);
    }
    return new NodeClient(base, token);
  }

  /** Set, not blank, and not port 0 (which tells a node to pick a port, and so says nothing). */
  private static boolean given(Map<String, String> env, String variable) {
    String value = env.get(variable);
    return value != null && !value.isBlank() && !value.strip().equals("0");
  }

  URI base() {
    return base;
  }

  /** A GET of {@code path}; throws {@link NotRunningException} when nothing answers. */
  Response get(String path) {
    return send("GET", path);
  }

  /** An authenticated POST of {@code path} with an empty body. */
  Response post(String path) {
    return send("POST", path);
  }

  private Response send(String method, String path) {
    try {
      HttpURLConnection c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
      c.setRequestMethod(method);
      c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
      c.setReadTimeout((int) TIMEOUT.toMillis());
      if (method.equals("POST")) {
        token.ifPresent(t -> c.setRequestProperty("Authorization", "Bearer " + t));
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(0);
      }
      int status = c.getResponseCode();
      try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
        String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new Response(status, body);
      }
    } catch (ConnectException e) {
      throw new NotRunningException(base);
    } catch (IOException e) {
      if (e.getCause() instanceof ConnectException) {
        throw new NotRunningException(base);
      }
      throw new IllegalStateException("talking to " + base + " failed: " + e, e);
    }
  }

  /** An HTTP answer. */
  record Response(int status, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException("the node answered " + status + " with a body that is not JSON: " + body, e);
      }
    }
  }

  /** Nothing answers at the node's address. */
  static final class NotRunningException extends RuntimeException {
    NotRunningException(URI base) {
      super("vigil is not running: nothing answers at " + base.getHost() + ":" + base.getPort());
    }
  }
}
