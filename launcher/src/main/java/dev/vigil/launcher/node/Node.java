package dev.vigil.launcher.node;

import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.LifecycleEvent;
import dev.vigil.core.Profile;
import dev.vigil.core.ShutdownReport;
import dev.vigil.launcher.http.HealthServerDaemon;
import dev.vigil.launcher.http.NodeInfo;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The composition root of a node: the one place that turns settings and a profile into daemon
 * specs, a manager and an HTTP server, writes the state directory, and runs until a signal or
 * {@code POST /api/shutdown} asks it to stop. The first SIGTERM or SIGINT shuts down gracefully;
 * a second one exits at once.
 */
public final class Node {
  private static final Logger log = LoggerFactory.getLogger(Node.class);

  private final Settings settings;
  private final String profileName;
  private final PrintWriter out;
  private final PrintWriter err;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<DaemonManager> manager = new AtomicReference<>();

  private Node(Settings settings, String profileName, PrintWriter out, PrintWriter err) {
    this.settings = settings;
    this.profileName = profileName;
    this.out = out;
    this.err = err;
  }

  /** The version of this build, from the jar's manifest ("dev" when run from classes). */
  public static String version() {
    String v = Node.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * Runs a node in the foreground until it is stopped.
   *
   * @param names the daemons to run (any case); their dependencies come along
   * @return the exit code: 0 after a clean stop, 1 if the daemons could not be started
   * @throws BadConfigException for unknown daemon names
   */
  public static int run(
      Settings settings, String profileName, List<String> names, PrintWriter out, PrintWriter err) {
    return new Node(settings, profileName, out, err).run(names);
  }

  private int run(List<String> names) {
    try (StateDir state = StateDir.acquire(settings.stateDir())) {
      String token = state.writeNewToken();
      NodeInfo info =
          new NodeInfo(
              "vigil",
              profileName,
              ProcessHandle.current().pid(),
              Instant.now(),
              version(),
              null);
      Map<DaemonType, DaemonSpec> catalog = catalog(state, token, info);
      Set<DaemonType> wanted = resolve(names, catalog);
      DaemonRegistry registry = DaemonRegistry.of(catalog.values());
      DaemonManager m = DaemonManager.builder(registry).build();
      manager.set(m);
      installSignals();

      CompletableFuture<Void> started = m.start(new Profile(profileName, wanted));
      AtomicReference<Throwable> httpFailure = new AtomicReference<>();
      var watch =
          m.addListener(
              e -> {
                if (e instanceof LifecycleEvent.Failed f
                    && f.type().equals(HealthServerDaemon.HEALTH_SERVER)) {
                  httpFailure.compareAndSet(null, f.cause());
                  started.cancel(false);
                }
              });
      try {
        started.get();
      } catch (Exception e) {
        Throwable cause = httpFailure.get() != null ? httpFailure.get() : e.getCause();
        err.println("vigil: could not start profile " + profileName + ": " + describe(cause, e));
        err.flush();
        shutdown();
        return 1;
      } finally {
        watch.close();
      }
      out.println(
          "vigil: profile "
              + profileName
              + " running: "
              + String.join(", ", m.registry().types().stream().map(DaemonType::name).sorted().toList())
              + "; stop with `vigil --stop` or Ctrl-C");
      out.flush();
      stopped.await();
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** "Failed to bind to /127.0.0.1:8790: Address already in use": the message and its causes. */
  private static String describe(Throwable cause, Throwable fallback) {
    if (cause == null) {
      return String.valueOf(fallback);
    }
    StringBuilder text = new StringBuilder(String.valueOf(cause.getMessage()));
    for (Throwable c = cause.getCause(); c != null && c != cause; c = c.getCause()) {
      if (c.getMessage() != null && !text.toString().contains(c.getMessage())) {
        text.append(": ").append(c.getMessage());
      }
    }
    return text.toString();
  }

  private Map<DaemonType, DaemonSpec> catalog(StateDir state, String token, NodeInfo info) {
    Map<DaemonType, DaemonSpec> catalog = new LinkedHashMap<>();
    DaemonSpec http =
        HealthServerDaemon.spec(
            settings.httpHost(),
            settings.httpPort(),
            token,
            info,
            manager::get,
            this::requestShutdown,
            uri -> written(state, info, uri));
    catalog.put(http.type(), http);
    return catalog;
  }

  private void written(StateDir state, NodeInfo info, URI uri) {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("pid", info.pid());
    node.put("http_url", uri.toString());
    node.put("profile", info.profile());
    node.put("started_at", info.startedAt().toString());
    node.put("version", info.version());
    state.writeNode(node);
    out.println("vigil: HTTP on " + uri + "; state directory " + state.path().toAbsolutePath());
    out.flush();
  }

  /** The profile's names, case-insensitively, as types; every unknown one is reported. */
  private static Set<DaemonType> resolve(List<String> names, Map<DaemonType, DaemonSpec> catalog) {
    return DaemonNames.resolve(names, catalog.keySet());
  }

  private void installSignals() {
    SignalHandler handler =
        signal -> {
          if (stopping.get()) {
            err.println("vigil: second " + signal.getName() + ": exiting at once");
            err.flush();
            Runtime.getRuntime().halt(130);
          }
          err.println("vigil: " + signal.getName() + " received: shutting down");
          err.flush();
          requestShutdown();
        };
    Signal.handle(new Signal("TERM"), handler);
    Signal.handle(new Signal("INT"), handler);
  }

  /** Shuts the node down once, on its own thread; the foreground run then returns. */
  private void requestShutdown() {
    if (stopping.compareAndSet(false, true)) {
      Thread.ofPlatform().name("vigil-shutdown").start(this::shutdown);
    }
  }

  private void shutdown() {
    stopping.set(true);
    DaemonManager m = manager.get();
    try {
      if (m != null) {
        Duration timeout = settings.shutdownTimeout();
        ShutdownReport report = m.shutdown(timeout).get(timeout.toSeconds() + 10, TimeUnit.SECONDS);
        if (report.clean()) {
          err.println("vigil: stopped " + report.stopped().size() + " daemons");
        } else {
          err.println("vigil: stopped, but these did not stop in time: " + report.unstopped());
        }
        err.flush();
      }
    } catch (Exception e) {
      log.error("shutdown failed", e);
    } finally {
      stopped.countDown();
    }
  }
}
