package dev.vigil.launcher.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonState;
import dev.vigil.core.DaemonType;
import dev.vigil.core.ProbeResult;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP server: probes, status, metrics and the control API, on Jetty's core handler API
 * (no servlets). Every view renders one manager snapshot or probe per request.
 *
 * <ul>
 *   <li>{@code GET /health}: liveness, 200 or 503 with {@code {status, daemons, reasons}}
 *   <li>{@code GET /ready}: readiness, the same shape
 *   <li>{@code GET /status}: the {@link StatusDocument}
 *   <li>{@code GET /metrics}: Prometheus text 0.0.4, or OpenMetrics when the client accepts it
 *   <li>{@code POST /api/daemons/{name}/{start|stop|restart|reset}}: 202; bearer token
 *   <li>{@code POST /api/shutdown}: 202, then runs the shutdown request; bearer token
 *   <li>the modules' {@link ApiRoute}s ({@link Extensions#routes()}): bearer token; the body a
 *       JSON object, the caller named by {@code X-Vigil-Actor}
 * </ul>
 *
 * <p>Errors are JSON {@code {"error": code, "message": text}}: 400 malformed control path, 401
 * missing or wrong token, 404 unknown path or daemon, 405 wrong method (with {@code Allow}), 409
 * start of a FAILED daemon, 413 a body over 64 KiB, 500 a bug; a module route also answers 400
 * when the body is not a JSON object or {@code X-Vigil-Actor} is not 1 to 64 printable ASCII
 * characters, and whatever its handler answers. Control requests are answered when
 * the manager has accepted them, without waiting for the daemon to get there.
 *
 * <p>Thread-safe; {@link #close()} stops the server and may be called more than once.
 */
public final class NodeHttpServer implements AutoCloseable {
  /** Requests with a larger body are refused with 413. */
  static final int MAX_BODY_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(NodeHttpServer.class);
  private static final Set<String> ACTIONS = Set.of("start", "stop", "restart", "reset");
  private static final String CONTROL_PATH = "/api/daemons/";
  /** Names the caller of a module's route in its audit log. */
  static final String ACTOR_HEADER = "X-Vigil-Actor";

  private final Server server;
  private final PrometheusRegistry registry;
  private final URI uri;

  private NodeHttpServer(Server server, PrometheusRegistry registry, URI uri) {
    this.server = server;
    this.registry = registry;
    this.uri = uri;
  }

  /**
   * Starts a server for {@code manager} listening on {@code host}:{@code port} only, and returns
   * once it accepts connections.
   *
   * @param port the port, 0 for an ephemeral one ({@link #uri()} tells which)
   * @param node who the node is; its {@code httpUrl} is replaced with the bound URI
   * @param token the bearer token the control API requires; must not be blank
   * @param shutdownRequest run on a new non-daemon thread when {@code POST /api/shutdown} arrives
   * @throws IOException if the address cannot be bound
   */
  public static NodeHttpServer start(
      String host,
      int port,
      DaemonManager manager,
      NodeInfo node,
      String token,
      Runnable shutdownRequest)
      throws IOException {
    return start(host, port, manager, node, token, shutdownRequest, Extensions.NONE);
  }

  /**
   * What a node adds to the server besides its manager: the daemons' own metrics, whether it is
   * draining before a shutdown (then {@code /ready} answers 503 whatever the daemons say), and the
   * modules' authenticated endpoints.
   *
   * @param metrics collectors scraped on {@code /metrics} with the built-in ones
   * @param draining true from the shutdown signal on
   * @param routes endpoints the modules add under {@code /api/}, each behind the bearer token;
   *     none may clash with a built-in route or another one
   */
  public record Extensions(List<MultiCollector> metrics, BooleanSupplier draining, List<ApiRoute> routes) {
    /** Nothing added. */
    public static final Extensions NONE = new Extensions(List.of(), () -> false);

    /** Copies the lists. */
    public Extensions {
      metrics = List.copyOf(metrics);
      Objects.requireNonNull(draining, "draining");
      routes = List.copyOf(routes);
    }

    /** Metrics and the draining flag, no routes. */
    public Extensions(List<MultiCollector> metrics, BooleanSupplier draining) {
      this(metrics, draining, List.of());
    }
  }

  /**
   * As {@link #start(String, int, DaemonManager, NodeInfo, String, Runnable)}, with the node's
   * {@link Extensions}.
   *
   * @throws IOException if the address cannot be bound
   * @throws IllegalArgumentException if a route of {@code extensions} clashes with another
   */
  public static NodeHttpServer start(
      String host,
      int port,
      DaemonManager manager,
      NodeInfo node,
      String token,
      Runnable shutdownRequest,
      Extensions extensions)
      throws IOException {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(manager, "manager");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(shutdownRequest, "shutdownRequest");
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the control API token must not be blank");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port " + port + " is not between 0 and 65535");
    }

    // A handful of platform threads for Jetty's acceptor and selector and to run non-blocking
    // tasks; the handler itself blocks (it reads the body and waits on the manager's control
    // thread for a snapshot), so requests run on virtual threads and a slow scrape never holds a
    // platform thread. The node must not grow a platform thread per concurrent request.
    QueuedThreadPool threads = new QueuedThreadPool(8, 2);
    threads.setName("vigil-http");
    threads.setReservedThreads(0);
    ThreadFactory virtual = Thread.ofVirtual().name("vigil-http-request-", 0).factory();
    Executor perTask = task -> virtual.newThread(task).start();
    threads.setVirtualThreadsExecutor(perTask);

    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setStopTimeout(5_000);

    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    registry.register(new DaemonMetrics(manager::snapshot, node.version()));
    extensions.metrics().forEach(registry::register);

    Routes routes;
    try {
      routes =
          new Routes(
              manager, node, token, shutdownRequest, registry, extensions.draining(), extensions.routes());
    } catch (IllegalArgumentException e) {
      registry.clear(); // JvmMetrics keeps the registries it was given: let go of the manager
      throw e;
    }
    server.setHandler(routes);
    server.setErrorHandler(new JsonErrors());
    try {
      server.start();
    } catch (IOException e) {
      stopQuietly(server);
      throw e;
    } catch (Exception e) {
      stopQuietly(server);
      throw new IOException("cannot start the HTTP server on " + host + ":" + port, e);
    }
    URI uri = URI.create("http://" + hostForUri(host) + ":" + connector.getLocalPort());
    routes.bound(node.withHttpUrl(uri.toString()));
    log.info("HTTP server listening on {}", uri);
    return new NodeHttpServer(server, registry, uri);
  }

  /** The base URI the server is bound to, such as {@code http://127.0.0.1:8790}. */
  public URI uri() {
    return uri;
  }

  /** Whether the server is accepting requests. */
  public boolean isRunning() {
    return server.isRunning();
  }

  /** Stops the server; requests in progress get up to 5 s to finish. */
  @Override
  public void close() {
    stopQuietly(server);
    // JvmMetrics remembers every registry it was given, for good: emptying ours keeps that from
    // holding the manager (through DaemonMetrics) after the server is gone
    registry.clear();
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("stopping the HTTP server failed", e);
    }
  }

  private static String hostForUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /**
   * Errors Jetty answers before a request reaches the routes (an ambiguous or unparsable URI,
   * headers too large) get the same JSON shape as ours rather than an HTML page.
   */
  private static final class JsonErrors extends ErrorHandler {
    @Override
    protected void generateResponse(
        Request request,
        Response response,
        int code,
        String message,
        Throwable cause,
        Callback callback) {
      String reason = HttpStatus.getMessage(code);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", reason.toLowerCase(Locale.ROOT).replace(' ', '_'));
      body.put("message", message == null || message.isBlank() ? reason : message);
      byte[] bytes = Json.bytes(body);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
      response.write(true, ByteBuffer.wrap(bytes), callback);
    }
  }

  // ------------------------------------------------------------------------------- routing

  /** What a request gets back. */
  private record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
    static Reply json(int status, Object body) {
      return new Reply(status, "application/json", Json.bytes(body), Map.of());
    }

    static Reply error(int status, String code, String message) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", code);
      body.put("message", message);
      return json(status, body);
    }

    Reply withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Reply(status, contentType, body, more);
    }
  }

  /** One endpoint: a handler method with the path parameters it matched and the body read. */
  @FunctionalInterface
  private interface Endpoint {
    Reply handle(Request request, Map<String, String> params, byte[] body) throws Exception;
  }

  /**
   * A method and a path template ({@code /api/daemons/{name}/{action}}) mapped to an endpoint.
   *
   * @param authenticated whether it requires the bearer token
   */
  private record Route(String method, String template, boolean authenticated, Endpoint endpoint) {
    /** The path parameters if {@code path} matches the template, else null. */
    Map<String, String> match(String path) {
      String[] want = template.split("/", -1);
      String[] got = path.split("/", -1);
      if (want.length != got.length) {
        return null;
      }
      Map<String, String> params = new LinkedHashMap<>();
      for (int i = 0; i < want.length; i++) {
        if (want[i].startsWith("{")) {
          if (got[i].isEmpty()) {
            return null;
          }
          params.put(want[i].substring(1, want[i].length() - 1), got[i]);
        } else if (!want[i].equals(got[i])) {
          return null;
        }
      }
      return params;
    }

    /** Whether some path could match both this route and {@code other} with the same method. */
    boolean clashesWith(Route other) {
      if (!method.equals(other.method())) {
        return false;
      }
      String[] a = template.split("/", -1);
      String[] b = other.template().split("/", -1);
      if (a.length != b.length) {
        return false;
      }
      for (int i = 0; i < a.length; i++) {
        if (!a[i].startsWith("{") && !b[i].startsWith("{") && !a[i].equals(b[i])) {
          return false;
        }
      }
      return true;
    }
  }

  /** The Jetty handler: matches the route, checks method, size and token, then calls it. */
  private static final class Routes extends Handler.Abstract {
    private final DaemonManager manager;
    private final byte[] tokenDigest;
    private final Runnable shutdownRequest;
    private final PrometheusRegistry registry;
    private final BooleanSupplier draining;
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final SortedSet<String> daemonNames; // sorted for error messages
    private final List<Route> routes;
    private volatile NodeInfo node;

    Routes(
        DaemonManager manager,
        NodeInfo node,
        String token,
        Runnable shutdownRequest,
        PrometheusRegistry registry,
        BooleanSupplier draining,
        List<ApiRoute> moduleRoutes) {
      this.manager = manager;
      this.draining = draining;
      this.node = node;
      this.tokenDigest = sha256(token);
      this.shutdownRequest = shutdownRequest;
      this.registry = registry;
      this.daemonNames =
          manager.registry().types().stream()
              .map(DaemonType::name)
              .collect(Collectors.toCollection(TreeSet::new));
      List<Route> all =
          new ArrayList<>(
              List.of(
                  new Route("GET", "/health", false, (r, p, b) -> probe(manager.livenessProbe())),
                  new Route("GET", "/ready", false, (r, p, b) -> ready()),
                  new Route("GET", "/status", false, (r, p, b) -> status()),
                  new Route("GET", "/metrics", false, (r, p, b) -> metrics(r)),
                  new Route("POST", CONTROL_PATH + "{name}/{action}", true, (r, p, b) -> control(p)),
                  new Route("POST", "/api/shutdown", true, (r, p, b) -> shutdown())));
      for (ApiRoute api : moduleRoutes) {
        Route route =
            new Route(api.method(), api.template(), true, (r, p, b) -> module(api, r, p, b));
        for (Route existing : all) {
          if (existing.clashesWith(route)) {
            throw new IllegalArgumentException(
                "route "
                    + api.method()
                    + " "
                    + api.template()
                    + " clashes with "
                    + existing.method()
                    + " "
                    + existing.template());
          }
        }
        all.add(route);
      }
      this.routes = List.copyOf(all);
    }

    void bound(NodeInfo withUrl) {
      this.node = withUrl;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Reply reply;
      try {
        reply = dispatch(request);
      } catch (Exception | LinkageError e) {
        log.error("{} {} failed", request.getMethod(), request.getHttpURI().getPath(), e);
        reply = Reply.error(500, "internal_error", e.toString());
      }
      response.setStatus(reply.status());
      var headers = response.getHeaders();
      headers.put(HttpHeader.CONTENT_TYPE, reply.contentType());
      headers.put(HttpHeader.CACHE_CONTROL, "no-store");
      reply.headers().forEach(headers::put);
      headers.put(HttpHeader.CONTENT_LENGTH, reply.body().length);
      response.write(true, ByteBuffer.wrap(reply.body()), callback);
      return true;
    }

    private Reply dispatch(Request request) throws Exception {
      String path = Request.getPathInContext(request);
      List<String> allowed = new ArrayList<>();
      Route route = null;
      Map<String, String> params = null;
      for (Route r : routes) {
        Map<String, String> p = r.match(path);
        if (p != null) {
          allowed.add(r.method());
          if (r.method().equals(request.getMethod())) {
            route = r;
            params = p;
          }
        }
      }
      if (allowed.isEmpty()) {
        return path.startsWith(CONTROL_PATH)
            ? Reply.error(
                400,
                "bad_request",
                "expected " + CONTROL_PATH + "{name}/{start|stop|restart|reset}")
            : Reply.error(404, "not_found", "no endpoint " + path);
      }
      if (route == null) {
        return Reply.error(
                405,
                "method_not_allowed",
                request.getMethod() + " is not allowed on " + path + "; use " + allowed)
            .withHeader(HttpHeader.ALLOW.asString(), String.join(", ", allowed));
      }
      byte[] body = body(request);
      if (body.length > MAX_BODY_BYTES) {
        return Reply.error(
            413, "payload_too_large", "the request body is over " + MAX_BODY_BYTES + " bytes");
      }
      if (route.authenticated() && !authorised(request)) {
        return Reply.error(401, "unauthorized", "a valid bearer token is required")
            .withHeader(HttpHeader.WWW_AUTHENTICATE.asString(), "Bearer realm=\"vigil\"");
      }
      return route.endpoint().handle(request, params, body);
    }

    /**
     * Reads the body, up to one byte over the limit, whatever length is declared: reading it all
     * lets the connection be reused, the client gets its 413 instead of a reset while it is still
     * sending, and the limit keeps a client from streaming forever.
     */
    private static byte[] body(Request request) throws IOException {
      if (request.getLength() == 0) {
        return new byte[0];
      }
      try (InputStream in = Request.asInputStream(request)) {
        return in.readNBytes(MAX_BODY_BYTES + 1);
      }
    }

    /**
     * A module's route: the caller's name, the body as a JSON object, then its handler. Its
     * handler may block for minutes (a diagnosis waits on a model): Jetty applies the connector's
     * idle timeout (30 s) to reads and writes only, not to a handler that is still working (a
     * handler blocking 40 s was answered 200).
     */
    private Reply module(ApiRoute api, Request request, Map<String, String> params, byte[] body)
        throws Exception {
      String actor = "api:token";
      String named = request.getHeaders().get(ACTOR_HEADER);
      if (named != null) {
        String name = named.strip();
        if (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
          return Reply.error(
              400,
              "bad_request",
              "header "
                  + ACTOR_HEADER
                  + ": must be 1 to 64 printable ASCII characters (it names the caller in the audit log)");
        }
        actor = "api:" + name;
      }
      JsonNode tree;
      if (new String(body, StandardCharsets.UTF_8).isBlank()) {
        tree = Json.MAPPER.createObjectNode();
      } else {
        try {
          tree = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
          return Reply.error(400, "bad_request", "the body is not JSON: " + e.getOriginalMessage());
        }
      }
      if (!(tree instanceof ObjectNode object)) {
        return Reply.error(
            400,
            "bad_request",
            "the body must be a JSON object, not " + tree.getNodeType().name().toLowerCase(Locale.ROOT));
      }
      Map<String, List<String>> query = new LinkedHashMap<>();
      try {
        Request.extractQueryParameters(request).forEach(f -> query.put(f.getName(), f.getValues()));
      } catch (RuntimeException e) {
        return Reply.error(400, "bad_request", "the query string cannot be read: " + e.getMessage());
      }
      ApiRoute.Response answer =
          api.handler().handle(new ApiRoute.Request(params, query, object, actor));
      Reply reply = Reply.json(answer.status(), answer.body());
      for (Map.Entry<String, String> h : answer.headers().entrySet()) {
        reply = reply.withHeader(h.getKey(), h.getValue());
      }
      return reply;
    }

    /** Compares digests so the comparison takes as long whatever the token's length. */
    private boolean authorised(Request request) {
      String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return false;
      }
      return MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).strip()));
    }

    // ----------------------------------------------------------------------------- endpoints

    /** What {@code /health} and {@code /ready} answer when all is well, rendered once. */
    private static final Reply PROBE_OK = probeBody(200, "ok", Map.of(), List.of());

    /** Not ready while the node drains before a shutdown, else what the manager says. */
    private Reply ready() {
      if (draining.getAsBoolean()) {
        return probeBody(503, "draining", Map.of(), List.of("the node is shutting down"));
      }
      return probe(manager.readinessProbe());
    }

    /**
     * A probe's answer. The probe's reasons start with the daemon's name ("X is FAILED: ..."), so
     * the failing daemons are read from them rather than from a second, later snapshot.
     */
    private Reply probe(ProbeResult result) {
      if (result.ok() && result.reasons().isEmpty()) {
        return PROBE_OK; // the common answer: a probe per second per scraper
      }
      Map<String, String> daemons = new TreeMap<>();
      for (String reason : result.reasons()) {
        int space = reason.indexOf(' ');
        String first = space < 0 ? reason : reason.substring(0, space);
        if (daemonNames.contains(first)) {
          daemons.putIfAbsent(first, reason);
        }
      }
      return probeBody(
          result.ok() ? 200 : 503, result.ok() ? "ok" : "fail", daemons, result.reasons());
    }

    private static Reply probeBody(
        int status, String verdict, Map<String, String> daemons, List<String> reasons) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("status", verdict);
      body.put("daemons", daemons);
      body.put("reasons", reasons);
      return Reply.json(status, body);
    }

    private Reply status() {
      return Reply.json(
          200, StatusDocument.of(manager.snapshot(), manager.registry(), node).toJson());
    }

    private Reply metrics(Request request) throws IOException {
      String accept = request.getHeaders().get(HttpHeader.ACCEPT);
      if (accept == null) {
        accept = "";
      }
      ExpositionFormatWriter writer = formats.findWriter(accept);
      if (!writer.isAvailable()) { // protobuf needs a module this build does not ship
        writer = formats.getPrometheusTextFormatWriter();
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
      writer.write(out, registry.scrape(), EscapingScheme.fromAcceptHeader(accept));
      return new Reply(200, writer.getContentType(), out.toByteArray(), Map.of());
    }

    private Reply control(Map<String, String> params) {
      String action = params.get("action").toLowerCase(Locale.ROOT);
      if (!ACTIONS.contains(action)) {
        return Reply.error(
            400,
            "bad_request",
            "unknown action '"
                + params.get("action")
                + "': expected start, stop, restart or reset");
      }
      String name = params.get("name").strip().replace('-', '_').toUpperCase(Locale.ROOT);
      DaemonType type;
      try {
        type = DaemonType.of(name);
      } catch (IllegalArgumentException e) {
        return Reply.error(400, "bad_request", e.getMessage());
      }
      if (!daemonNames.contains(type.name())) {
        return Reply.error(
            404,
            "not_found",
            "no daemon " + name + " (known: " + String.join(", ", daemonNames) + ")");
      }
      if (action.equals("start") && manager.info(type).state() == DaemonState.FAILED) {
        return Reply.error(
            409,
            "conflict",
            "Expected daemon " + name + " to be startable, but it is FAILED: reset it first");
      }
      CompletableFuture<Void> done =
          switch (action) {
            case "start" -> manager.start(type);
            case "stop" -> manager.stop(type);
            case "restart" -> manager.restart(type);
            default -> manager.reset(type);
          };
      // the client was answered already; a failure is still worth a line in the node's log
      done.whenComplete(
          (ok, error) -> {
            if (error != null) {
              log.warn(
                  "{} of {} requested over HTTP did not succeed: {}",
                  action,
                  name,
                  error.toString());
            }
          });
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("accepted", true);
      body.put("daemon", name);
      body.put("action", action);
      return Reply.json(202, body);
    }

    private Reply shutdown() {
      // the request may stop this very server, so it must not run on the request's thread; a
      // non-daemon thread, so that the JVM does not exit before the shutdown has run
      Thread.ofPlatform().name("vigil-shutdown-request").daemon(false).start(shutdownRequest);
      return Reply.json(202, Map.of("accepted", true, "action", "shutdown"));
    }

    private static byte[] sha256(String value) {
      try {
        return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JVM has SHA-256", e);
      }
    }
  }
}
