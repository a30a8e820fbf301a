package dev.vigil.launcher.node;

import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.LifecycleEvent;
import dev.vigil.core.Profile;
import dev.vigil.core.ShutdownReport;
import dev.vigil.launcher.http.HealthServerDaemon;
import dev.vigil.launcher.http.NodeHttpServer;
import dev.vigil.launcher.http.NodeInfo;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
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
  private final Catalog catalog;
  private final String profileName;
  private final PrintWriter out;
  private final PrintWriter err;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<DaemonManager> manager = new AtomicReference<>();
  // what the modules' daemons listen on, published in node.json; written by their start threads
  private final Map<String, URI> endpoints = new ConcurrentSkipListMap<>();
  private final AtomicReference<Runnable> republish = new AtomicReference<>(() -> {});

  private Node(
      Settings settings,
      Plugins plugins,
      Map<String, String> env,
      String profileName,
      PrintWriter out,
      PrintWriter err) {
    this.settings = settings;
    this.profileName = profileName;
    this.out = out;
    this.err = err;
    DaemonModule.Context context =
        new DaemonModule.Context(
            settings.stateDir().toAbsolutePath(),
            Path.of("").toAbsolutePath(),
            env,
            this::endpoint);
    this.catalog = Catalog.load(settings, Modules.all(), plugins, context);
  }

  /**
   * A node with these settings, its catalog loaded and checked; nothing runs and nothing is
   * written until {@link #run}.
   *
   * @throws BadConfigException naming every problem of the configuration at once
   */
  public static Node prepare(
      Settings settings,
      Plugins plugins,
      Map<String, String> env,
      String profileName,
      PrintWriter out,
      PrintWriter err) {
    return new Node(settings, plugins, env, profileName, out, err);
  }

  /** Every daemon this node could run, its specs with the operator's overrides. */
  public Catalog catalog() {
    return catalog;
  }

  /** The version of this build, from the jar's manifest ("dev" when run from classes). */
  public static String version() {
    String v = Node.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * Runs the node in the foreground until it is stopped.
   *
   * @param names the daemons to run (any case); their dependencies come along
   * @return the exit code: 0 after a clean stop, 1 if the daemons could not be started
   * @throws BadConfigException for unknown daemon names, before anything is written
   */
  public int run(List<String> names) {
    Set<DaemonType> wanted = catalog.resolve(names);
    // libraries that log through java.util.logging (gRPC) write to the node's log like the rest
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
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
      Map<DaemonType, DaemonSpec> specs = new LinkedHashMap<>(catalog.specs());
      DaemonSpec http = httpServer(state, token, info);
      specs.put(http.type(), http);
      // the node runs the profile's daemons and what they depend on, nothing else of the catalog
      Set<DaemonType> closure = DaemonRegistry.of(specs.values()).withDependencies(wanted);
      DaemonRegistry registry =
          DaemonRegistry.of(specs.values().stream().filter(s -> closure.contains(s.type())).toList());
      DaemonManager m = DaemonManager.builder(registry).build();
      catalog.attach(m.events());
      m.addListener(new EventLog());
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

  private DaemonSpec httpServer(StateDir state, String token, NodeInfo info) {
    return catalog.withOverrides(
        HealthServerDaemon.spec(
            settings.httpHost(),
            settings.httpPort(),
            token,
            info,
            manager::get,
            this::requestShutdown,
            new NodeHttpServer.Extensions(catalog.metrics(), draining::get, catalog.routes()),
            uri -> {
              republish.set(() -> written(state, info, uri));
              republish.get().run();
              out.println(
                  "vigil: HTTP on " + uri + "; state directory " + state.path().toAbsolutePath());
              out.flush();
            }));
  }

  /** A module's daemon listens at {@code uri}: node.json says so from now on. */
  private void endpoint(String name, URI uri) {
    endpoints.put(name, uri);
    republish.get().run();
  }

  private synchronized void written(StateDir state, NodeInfo info, URI uri) {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("pid", info.pid());
    node.put("http_url", uri.toString());
    endpoints.forEach((name, address) -> node.put(name, address.toString()));
    node.put("profile", info.profile());
    node.put("started_at", info.startedAt().toString());
    node.put("version", info.version());
    state.writeNode(node);
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
      Thread.ofPlatform().name("vigil-shutdown").start(this::drainThenShutdown);
    }
  }

  /** Readiness turns 503 at once; the daemons stop after the drain period. */
  private void drainThenShutdown() {
    draining.set(true);
    Duration drain = settings.drain();
    if (drain.isPositive()) {
      err.println("vigil: draining for " + drain.toSeconds() + " s (/ready answers 503)");
      err.flush();
      try {
        Thread.sleep(drain); // the drain period is wall time by definition: load balancers poll
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    shutdown();
  }

  /**
   * The whole shutdown's deadline: along the longest dependency chain, the sum of the stop
   * timeouts, since a daemon stops only once its dependents have.
   */
  static Duration deadline(DaemonRegistry registry) {
    Map<DaemonType, Duration> longest = new HashMap<>();
    Duration worst = Duration.ZERO;
    for (DaemonType type : registry.types()) {
      Duration d = chain(type, registry, longest);
      worst = d.compareTo(worst) > 0 ? d : worst;
    }
    return worst.isZero() ? Duration.ofSeconds(1) : worst;
  }

  private static Duration chain(
      DaemonType type, DaemonRegistry registry, Map<DaemonType, Duration> memo) {
    Duration known = memo.get(type);
    if (known != null) {
      return known;
    }
    DaemonSpec spec = registry.spec(type).orElse(null);
    if (spec == null) {
      return Duration.ZERO; // a dependency the registry does not hold: validation reports it
    }
    Duration below = Duration.ZERO;
    for (DaemonType dependency : spec.dependencies()) {
      Duration d = chain(dependency, registry, memo);
      below = d.compareTo(below) > 0 ? d : below;
    }
    Duration total = below.plus(spec.stopTimeout());
    memo.put(type, total);
    return total;
  }

  private void shutdown() {
    stopping.set(true);
    DaemonManager m = manager.get();
    try {
      if (m != null) {
        // each daemon gets its stop timeout, level by level in reverse dependency order
        Duration timeout = deadline(m.registry());
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
