package dev.vigil.launcher.http;

import dev.vigil.core.BuiltinDaemons;
import dev.vigil.core.DaemonContext;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.IdleDaemon;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs the node's {@link NodeHttpServer} as a daemon, so the manager restarts it like any other and
 * the probes see it: it is critical, and a node whose HTTP server is FAILED is not live.
 *
 * <p>The spec is made before the manager exists (the manager is built from the specs), so the
 * daemon takes the manager through a {@link Supplier} and asks it only when it starts. A fresh
 * instance per attempt, as for every daemon: each start binds the port anew, and {@code
 * onListening} hears the bound URI each time, since with port 0 it changes.
 */
public final class HealthServerDaemon extends IdleDaemon {
  /** The daemon's type. */
  public static final DaemonType HEALTH_SERVER = DaemonType.of("HEALTH_SERVER");

  private final Supplier<DaemonManager> manager;
  private final Settings settings;
  private final Consumer<URI> onListening;
  // set on the start thread, read by health checks on another
  private volatile NodeHttpServer server;

  /**
   * What the server needs besides the manager.
   *
   * @param host the address to bind (only this one)
   * @param port the port, 0 for an ephemeral one
   * @param token the bearer token of the control API
   * @param node who the node is
   * @param shutdownRequest what {@code POST /api/shutdown} runs, on a new thread
   * @param extensions the daemons' metrics and the draining flag
   */
  public record Settings(
      String host,
      int port,
      String token,
      NodeInfo node,
      Runnable shutdownRequest,
      NodeHttpServer.Extensions extensions) {
    /** Requires every field. */
    public Settings {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(token, "token");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(shutdownRequest, "shutdownRequest");
      Objects.requireNonNull(extensions, "extensions");
    }
  }

  /**
   * A daemon serving {@code manager}'s node.
   *
   * @param manager gives the manager when the daemon starts; must not give null by then
   * @param onListening told the bound base URI once the server listens, on the start thread; if it
   *     throws, the start fails
   */
  public HealthServerDaemon(
      Supplier<DaemonManager> manager, Settings settings, Consumer<URI> onListening) {
    this.manager = Objects.requireNonNull(manager, "manager");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.onListening = Objects.requireNonNull(onListening, "onListening");
  }

  /**
   * The spec of {@link #HEALTH_SERVER}: category {@code supervisor}, critical, the default restart
   * policy. See {@link Settings} and {@link #HealthServerDaemon} for the parameters.
   */
  public static DaemonSpec spec(
      String host,
      int port,
      String token,
      NodeInfo node,
      Supplier<DaemonManager> manager,
      Runnable shutdownRequest,
      NodeHttpServer.Extensions extensions,
      Consumer<URI> onListening) {
    Settings settings = new Settings(host, port, token, node, shutdownRequest, extensions);
    Objects.requireNonNull(manager, "manager");
    Objects.requireNonNull(onListening, "onListening");
    return DaemonSpec.builder(
            HEALTH_SERVER, () -> new HealthServerDaemon(manager, settings, onListening))
        .category(BuiltinDaemons.CATEGORY)
        .critical(true)
        .build();
  }

  @Override
  protected void onStart(DaemonContext ctx) throws Exception {
    DaemonManager m = manager.get();
    if (m == null) {
      throw new IllegalStateException(
          "Expected the manager to be built before "
              + HEALTH_SERVER
              + " starts, but the supplier gave null");
    }
    server =
        NodeHttpServer.start(
            settings.host(),
            settings.port(),
            m,
            settings.node(),
            settings.token(),
            settings.shutdownRequest(),
            settings.extensions());
    onListening.accept(server.uri());
  }

  @Override
  protected void onStop(DaemonContext ctx) {
    NodeHttpServer s = server;
    if (s != null) {
      s.close();
    }
  }

  /** Healthy while Jetty runs, with the URL in the details. */
  @Override
  public HealthCheckResult healthCheck() {
    NodeHttpServer s = server;
    if (s == null || !s.isRunning()) {
      return HealthCheckResult.unhealthy("the HTTP server is not running");
    }
    return HealthCheckResult.ok("listening on " + s.uri())
        .withDetails(Map.of("url", s.uri().toString()));
  }
}
