package dev.vigil.launcher.http;

import java.time.Instant;
import java.util.Objects;

/**
 * Who the node is, as {@code /status} and {@code vigil_build_info} show it. Immutable.
 *
 * @param name the node's name
 * @param profile the profile it runs
 * @param pid its process id
 * @param startedAt when the process started; {@code /status} measures the node's uptime from it
 * @param version the build version
 * @param httpUrl the HTTP base URI, or null until the server is bound ({@link NodeHttpServer} fills
 *     it in with {@link #withHttpUrl} once it knows its port)
 */
public record NodeInfo(
    String name, String profile, long pid, Instant startedAt, String version, String httpUrl) {

  /** Requires every field but {@code httpUrl}. */
  public NodeInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(version, "version");
  }

  /** A copy with this HTTP base URI. */
  public NodeInfo withHttpUrl(String url) {
    return new NodeInfo(name, profile, pid, startedAt, version, url);
  }
}
