package dev.vigil.sandbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.core.HealthStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Runs one probe once and says what it found. Every detail and every piece of evidence passes
 * through a {@link Redactor} built from the environment at that moment, so no secret leaves here.
 * Thread-safe: runs of different probes may happen at once.
 */
final class Prober implements AutoCloseable {
  // buffers from one shared pool: the default pool keeps them per thread, and every run is a new
  // virtual thread, so each parse would allocate its own
  private static final ObjectMapper JSON =
      new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build());
  private static final int PREVIEW = 200;

  private final EnvReader env;
  private final Check.EnvSources defaultSources;
  private final Set<String> secretNames;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final Path workingDir;
  private volatile Redactors lastRedactor;
  // started with the prober (the daemon's start, a diagnose) and stopped by close()
  private final ProbeHttp http = new ProbeHttp("vigil-probe-http");
  private HttpClient webSockets; // only when a websocket probe runs: it keeps a selector thread

  /**
   * @param defaultSources where header and command variables are read from
   * @param secretNames variables whose values are redacted everywhere (besides secret-looking names)
   * @param clock what stale timestamps are measured against
   * @param nanoTime measures latency
   */
  Prober(
      EnvReader env,
      Check.EnvSources defaultSources,
      Set<String> secretNames,
      Clock clock,
      LongSupplier nanoTime,
      Path workingDir) {
    this.env = env;
    this.defaultSources = defaultSources;
    this.secretNames = Set.copyOf(secretNames);
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.workingDir = workingDir;
  }

  /** Stops the HTTP client (its connections and threads); http runs after this fail. */
  @Override
  public void close() {
    http.close();
    HttpClient ws;
    synchronized (this) {
      ws = webSockets;
    }
    if (ws != null) {
      ws.shutdownNow();
    }
  }

  /** How many HTTP connections are kept open for the next runs (for tests). */
  int idleHttpConnections() {
    return http.idleConnections();
  }

  /** The environment as commands and headers see it. */
  EnvReader.Snapshot environment() {
    return env.read(defaultSources);
  }

  /**
   * The redactor of {@code snapshot}, built again only when the snapshot is another one (a file was
   * read): it filters every variable through a pattern, which costs more than many probes do.
   */
  private Redactor redactor(EnvReader.Snapshot snapshot) {
    Redactors last = lastRedactor;
    if (last != null && last.snapshot() == snapshot) {
      return last.redactor();
    }
    Redactor r = Redactor.of(snapshot.values(), secretNames);
    lastRedactor = new Redactors(snapshot, r);
    return r;
  }

  private record Redactors(EnvReader.Snapshot snapshot, Redactor redactor) {}

  /** Runs {@code spec} once; never throws (a probe that breaks is {@code unknown}). */
  Outcome run(ProbeSpec spec) {
    EnvReader.Snapshot snapshot = environment();
    Redactor redactor = redactor(snapshot);
    long start = nanoTime.getAsLong();
    Outcome raw;
    try {
      raw =
          switch (spec.check()) {
            case Check.Env c -> env(c);
            case Check.Http c -> http(c, spec.timeout(), snapshot);
            case Check.Tcp c -> tcp(c, spec.timeout());
            case Check.PortFree c -> portFree(c, spec.timeout());
            case Check.Disk c -> disk(c);
            case Check.Command c -> command(c, spec.timeout(), snapshot);
            case Check.WebSocket c -> webSocket(c, spec.timeout(), snapshot);
          };
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      raw = Outcome.of(HealthStatus.UNKNOWN, Outcome.PROBE_ERROR, "interrupted");
    } catch (RuntimeException | IOException e) {
      raw = Outcome.of(HealthStatus.UNKNOWN, Outcome.PROBE_ERROR, "probe failed: " + e);
    }
    long latency = Math.max(0, nanoTime.getAsLong() - start);
    @SuppressWarnings("unchecked")
    Map<String, Object> evidence = (Map<String, Object>) redactor.applyDeep(raw.evidence());
    return new Outcome(raw.status(), raw.category(), redactor.apply(raw.detail()), latency, evidence);
  }

  // ---- env

  private Outcome env(Check.Env c) {
    EnvReader.Snapshot snap = env.read(c.sources());
    Map<String, Object> vars = new LinkedHashMap<>();
    List<String> unhealthy = new ArrayList<>();
    List<String> degraded = new ArrayList<>();
    for (Check.EnvVar v : c.required()) {
      Optional<Map.Entry<String, EnvReader.Value>> found = snap.first(v.names());
      vars.put(v.name(), describe(v, found));
      if (found.isEmpty()) {
        unhealthy.add("required " + v.name() + " is not set");
      }
    }
    for (Check.EnvVar v : c.optional()) {
      Optional<Map.Entry<String, EnvReader.Value>> found = snap.first(v.names());
      vars.put(v.name(), describe(v, found));
      if (found.isEmpty()) {
        degraded.add("optional " + v.name() + " is not set");
      }
    }
    for (Check.EnvVar v : c.forbidden()) {
      Optional<Map.Entry<String, EnvReader.Value>> found = snap.first(v.names());
      if (found.isPresent()) {
        vars.put(v.name(), "forbidden, " + describe(v, found));
        degraded.add(found.get().getKey() + " is set but must not be (from " + found.get().getValue().source() + ")");
      }
    }
    for (Check.EnvExpect e : c.expect()) {
      String value = snap.get(e.name()).orElse(null);
      JsonAssertion test = new JsonAssertion(e.name(), e.op(), e.value(), HealthStatus.UNHEALTHY);
      if (!test.checkText(value)) {
        boolean secret = c.secret().contains(e.name()) || Redactor.SECRET_NAME.matcher(e.name()).find();
        String shown = value == null ? "not set" : secret ? "set" : "\"" + value + "\"";
        unhealthy.add(e.name() + " is " + shown + ", expected " + e.op().wireName()
            + (e.op() == JsonAssertion.Op.EXISTS || e.op() == JsonAssertion.Op.ABSENT ? "" : " \"" + e.value() + "\""));
      }
    }
    Map<String, Object> evidence = Map.of("variables", vars);
    if (!snap.problems().isEmpty()) {
      return Outcome.of(HealthStatus.UNKNOWN, Outcome.CONFIG_ERROR, String.join("; ", snap.problems()))
          .withEvidence(evidence);
    }
    if (!unhealthy.isEmpty()) {
      unhealthy.addAll(degraded);
      return Outcome.unhealthy(Outcome.CONFIG_ERROR, String.join("; ", unhealthy)).withEvidence(evidence);
    }
    if (!degraded.isEmpty()) {
      return Outcome.of(HealthStatus.DEGRADED, Outcome.CONFIG_ERROR, String.join("; ", degraded))
          .withEvidence(evidence);
    }
    return Outcome.healthy(vars.size() + " variable(s) as expected").withEvidence(evidence);
  }

  /** Never the value: whether it is set, under which name, from where. */
  private static String describe(Check.EnvVar v, Optional<Map.Entry<String, EnvReader.Value>> found) {
    if (found.isEmpty()) {
      return "missing";
    }
    String name = found.get().getKey();
    String source = found.get().getValue().source();
    return name.equals(v.name()) ? "set (" + source + ")" : "set as " + name + " (" + source + ")";
  }

  // ---- http

  private Outcome http(Check.Http c, Duration timeout, EnvReader.Snapshot snap)
      throws InterruptedException {
    List<Map.Entry<String, String>> headers = new ArrayList<>(c.headers().size());
    Optional<String> missing = headers(c.headers(), snap, (name, value) -> headers.add(Map.entry(name, value)));
    if (missing.isPresent()) {
      return Outcome.of(HealthStatus.UNKNOWN, Outcome.CONFIG_ERROR, missing.get());
    }
    ProbeHttp.Response response;
    try {
      response = http.send(c.method(), c.url(), headers, c.body(), timeout, true);
    } catch (ProbeHttp.Timeout e) {
      return Outcome.unhealthy(Outcome.TIMEOUT, c.method() + " " + c.url() + ": no answer within " + Durations.text(timeout));
    } catch (ProbeHttp.TooLarge e) {
      return Outcome.of(HealthStatus.UNKNOWN, Outcome.PROBE_ERROR, c.method() + " " + c.url() + ": " + e.getMessage());
    } catch (IOException e) {
      stopIfInterrupted();
      return connectionFailure(c.url(), e);
    }
    int status = response.status();
    String body = response.body();
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("http_status", status);
    if (!c.expectStatus().contains(status)) {
      evidence.put("body", preview(body));
      String category = status == 401 || status == 403 ? Outcome.AUTH_ERROR : Outcome.UNEXPECTED_STATUS;
      return Outcome.unhealthy(category, "HTTP " + status + " from " + c.url() + " (expected "
              + sorted(c.expectStatus()) + ")" + (body.isBlank() ? "" : ": " + preview(body)))
          .withEvidence(evidence);
    }
    if (c.json().isEmpty()) {
      return Outcome.healthy("HTTP " + status).withEvidence(evidence);
    }
    return assertJson(body, c.json(), "HTTP " + status).withEvidence(evidence);
  }

  /** Adds the headers; says which variable is missing if one is. */
  private static Optional<String> headers(
      List<Check.Header> headers, EnvReader.Snapshot snap, java.util.function.BiConsumer<String, String> add) {
    for (Check.Header h : headers) {
      if (h.value().isPresent()) {
        add.accept(h.name(), h.value().get());
      } else {
        String variable = h.env().orElseThrow();
        Optional<String> value = snap.get(variable).filter(v -> !v.isBlank());
        if (value.isEmpty()) {
          return Optional.of("header " + h.name() + " needs " + variable + ", which is not set");
        }
        add.accept(h.name(), h.prefix() + value.get().strip());
      }
    }
    return Optional.empty();
  }

  private Outcome assertJson(String text, List<JsonAssertion> assertions, String okDetail) {
    JsonNode doc;
    try {
      doc = JSON.readTree(text);
    } catch (IOException e) {
      doc = null;
    }
    if (doc == null || doc.isMissingNode()) {
      return Outcome.unhealthy(Outcome.ASSERTION_FAILED, "the answer is not JSON: " + preview(text));
    }
    return assertJson(doc, assertions, okDetail);
  }

  private Outcome assertJson(JsonNode doc, List<JsonAssertion> assertions, String okDetail) {
    HealthStatus worst = HealthStatus.HEALTHY;
    String category = null;
    List<String> messages = new ArrayList<>();
    for (JsonAssertion a : assertions) {
      Optional<JsonAssertion.Failure> f = a.check(doc, clock.instant());
      if (f.isPresent()) {
        messages.add(f.get().message());
        if (Rank.of(f.get().status()) > Rank.of(worst)) {
          worst = f.get().status();
          category = f.get().category();
        } else if (category == null) {
          category = f.get().category();
        }
      }
    }
    if (messages.isEmpty()) {
      return Outcome.healthy(okDetail + ", " + assertions.size() + " assertion(s) passed");
    }
    return Outcome.of(worst, category, String.join("; ", messages));
  }

  private static Outcome connectionFailure(URI url, IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
        return Outcome.of(HealthStatus.UNKNOWN, Outcome.CONFIG_ERROR, "cannot resolve host " + url.getHost());
      }
    }
    Throwable cause = e;
    while (cause.getCause() != null && !(cause instanceof ConnectException)) {
      cause = cause.getCause();
    }
    if (e instanceof HttpConnectTimeoutException || cause instanceof SocketTimeoutException) {
      return Outcome.unhealthy(Outcome.TIMEOUT, "connecting to " + url.getHost() + ":" + port(url) + " timed out");
    }
    if (cause instanceof ConnectException) {
      return Outcome.unhealthy(Outcome.CONNECTION_ERROR, "connection refused: " + url.getHost() + ":" + port(url));
    }
    return Outcome.unhealthy(Outcome.CONNECTION_ERROR, url.getHost() + ":" + port(url) + ": " + e);
  }

  /** An interrupted socket fails as any broken one would: that is the daemon stopping, not a finding. */
  private static void stopIfInterrupted() throws InterruptedException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedException("stopped");
    }
  }

  private static int port(URI url) {
    if (url.getPort() > 0) {
      return url.getPort();
    }
    return "https".equals(url.getScheme()) || "wss".equals(url.getScheme()) ? 443 : 80;
  }

  // ---- tcp, port-free

  private static Outcome tcp(Check.Tcp c, Duration timeout) {
    try (Socket socket = new Socket(Proxy.NO_PROXY)) { // directly, as http probes connect
      socket.connect(new InetSocketAddress(c.host(), c.port()), (int) Math.max(1, timeout.toMillis()));
      return Outcome.healthy("connected to " + c.host() + ":" + c.port());
    } catch (SocketTimeoutException e) {
      return Outcome.unhealthy(Outcome.TIMEOUT, "connecting to " + c.host() + ":" + c.port() + " timed out after " + Durations.text(timeout));
    } catch (UnknownHostException e) {
      return Outcome.of(HealthStatus.UNKNOWN, Outcome.CONFIG_ERROR, "cannot resolve host " + c.host());
    } catch (ConnectException e) {
      return Outcome.unhealthy(Outcome.CONNECTION_ERROR, "connection refused: " + c.host() + ":" + c.port());
    } catch (IOException e) {
      return Outcome.unhealthy(Outcome.CONNECTION_ERROR, c.host() + ":" + c.port() + ": " + e.getMessage());
    }
  }

  private Outcome portFree(Check.PortFree c, Duration timeout) throws InterruptedException {
    if (c.port() == 0) {
      // the service binds whatever port is free, so none can be in its way
      return Outcome.healthy("port 0: the system picks a free port at bind time, nothing to check");
    }
    boolean held;
    String where = c.host().map(h -> h + ":").orElse("") + c.port();
    try (ServerSocket socket = new ServerSocket()) {
      // a listener still makes the bind fail; connections in TIME_WAIT do not hold the port
      socket.setReuseAddress(true);
      socket.bind(c.host().map(h -> new InetSocketAddress(h, c.port())).orElse(new InetSocketAddress(c.port())));
      held = false;
    } catch (BindException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("ermission")) {
        return Outcome.of(HealthStatus.UNKNOWN, Outcome.CONFIG_ERROR, "cannot bind port " + where + ": permission denied");
      }
      held = true;
    } catch (IOException e) {
      return Outcome.of(HealthStatus.UNKNOWN, Outcome.PROBE_ERROR, "cannot bind port " + where + ": " + e.getMessage());
    }
    if (c.expectFree() && !held) {
      return Outcome.healthy("port " + where + " is free");
    }
    if (!c.expectFree()) {
      return held
          ? Outcome.healthy("port " + where + " is held (something listens)")
          : Outcome.unhealthy(Outcome.CONNECTION_ERROR, "nothing listens on port " + where);
    }
    if (c.orServedAt().isPresent()) {
      URI url = c.orServedAt().get();
      try {
        ProbeHttp.Response r = http.send("GET", url, List.of(), Optional.empty(), timeout, false);
        return Outcome.healthy("port " + where + " is held by the service at " + url + " (HTTP " + r.status() + ")");
      } catch (IOException e) {
        stopIfInterrupted();
        return Outcome.unhealthy(Outcome.PORT_CONFLICT,
            "port " + where + " is held by another process (" + url + " does not answer)");
      }
    }
    return Outcome.unhealthy(Outcome.PORT_CONFLICT, "port " + where + " is held by another process");
  }

  // ---- disk

  private Outcome disk(Check.Disk c) throws IOException {
    Path wanted = workingDir.resolve(c.path()).toAbsolutePath().normalize();
    Path existing = wanted;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return Outcome.of(HealthStatus.UNKNOWN, Outcome.CONFIG_ERROR, "no part of " + wanted + " exists");
    }
    // statvfs on the path itself: Files.getFileStore would read the whole mount table first
    java.io.File at = existing.toFile();
    long total = at.getTotalSpace();
    long free = at.getUsableSpace();
    if (total == 0 && !Files.exists(existing)) {
      throw new java.nio.file.NoSuchFileException(existing.toString(), null, "went away while measured");
    }
    double percent = total == 0 ? 0 : free * 100.0 / total;
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("path", wanted.toString());
    evidence.put("free_bytes", free);
    evidence.put("total_bytes", total);
    evidence.put("free_percent", Math.round(percent * 10) / 10.0);
    String where = existing.equals(wanted) ? wanted.toString() : wanted + " (not there yet; measured at " + existing + ")";
    String text = bytes(free) + " free (" + oneDecimal(percent) + "%) under " + where;
    if (free < c.minFreeBytes() || percent < c.minFreePercent()) {
      return Outcome.unhealthy(Outcome.DISK_LOW, text + ", below the minimum "
          + bytes(c.minFreeBytes()) + " / " + c.minFreePercent() + "%").withEvidence(evidence);
    }
    if (free < c.warnFreeBytes() || percent < c.warnFreePercent()) {
      return Outcome.of(HealthStatus.DEGRADED, Outcome.DISK_LOW, text + ", below the warning level "
          + bytes(c.warnFreeBytes()) + " / " + c.warnFreePercent() + "%").withEvidence(evidence);
    }
    return Outcome.healthy(text).withEvidence(evidence);
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return oneDecimal(v) + " " + units[i];
  }

  /** {@code v} (not negative) rounded half up to one decimal, as {@code %.1f} in the root locale. */
  static String oneDecimal(double v) {
    long tenths = Math.round(v * 10);
    return tenths / 10 + "." + tenths % 10;
  }

  // ---- command

  private Outcome command(Check.Command c, Duration timeout, EnvReader.Snapshot snap)
      throws InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(c.argv());
    builder.directory(workingDir.resolve(c.cwd().orElse(Path.of("."))).toFile());
    Map<String, String> environment = builder.environment();
    environment.clear(); // only what the allow-list names: a probe must not see every secret
    for (String name : c.envAllowlist()) {
      snap.get(name).ifPresent(v -> environment.put(name, v));
    }
    environment.putAll(c.env());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return Outcome.unhealthy(Outcome.CONFIG_ERROR, "cannot run " + c.argv().getFirst() + ": " + e.getMessage());
    }
    try {
      process.getOutputStream().close(); // nothing to say on stdin: a program reading it sees EOF
    } catch (IOException e) {
      // it already exited and closed its end
    }
    Capture out = Capture.start(process.getInputStream(), c.maxOutputBytes());
    Capture err = Capture.start(process.getErrorStream(), c.maxOutputBytes());
    boolean exited;
    try {
      exited = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      killTree(process);
      throw e;
    }
    if (!exited) {
      killTree(process);
      return Outcome.unhealthy(Outcome.TIMEOUT, c.argv().getFirst() + " did not finish within "
          + Durations.text(timeout) + "; killed it and its children");
    }
    String stdout = out.text();
    String stderr = err.text();
    int code = process.exitValue();
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("exit_code", code);
    if (out.truncated() || err.truncated()) {
      evidence.put("output_truncated", true);
    }
    JsonNode doc = parseJson(stdout).or(() -> parseJson(stderr)).orElse(null);
    Optional<String> category =
        c.categoryPath().flatMap(p -> Optional.ofNullable(doc == null ? null : JsonAssertion.at(doc, p)))
            .filter(n -> n.isTextual() && !n.asText().isBlank())
            .map(JsonNode::asText);
    if (!c.okExit().contains(code)) {
      evidence.put("stderr", preview(stderr));
      String last = lastLine(stderr.isBlank() ? stdout : stderr);
      return Outcome.unhealthy(category.orElse(Outcome.UNEXPECTED_EXIT),
              c.argv().getFirst() + " exited " + code + (last.isEmpty() ? "" : ": " + last))
          .withEvidence(evidence);
    }
    if (c.json().isEmpty()) {
      return Outcome.healthy(c.argv().getFirst() + " exited " + code).withEvidence(evidence);
    }
    if (doc == null) {
      return Outcome.unhealthy(Outcome.ASSERTION_FAILED, "the output is not JSON: " + preview(stdout)).withEvidence(evidence);
    }
    Outcome checked = assertJson(doc, c.json(), c.argv().getFirst() + " exited " + code);
    if (checked.status() != HealthStatus.HEALTHY && category.isPresent()) {
      checked = checked.with(checked.status(), category.get(), checked.detail());
    }
    return checked.withEvidence(evidence);
  }

  /** Kills the process and every process it started, children first seen while it still lives. */
  static void killTree(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
  }

  private static Optional<JsonNode> parseJson(String text) {
    String t = text.strip();
    if (!(t.startsWith("{") || t.startsWith("["))) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readTree(t));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String lastLine(String text) {
    List<String> lines = text.strip().lines().toList();
    return lines.isEmpty() ? "" : preview(lines.getLast());
  }

  /** Reads a stream to its end on a virtual thread, keeping at most {@code cap} bytes. */
  private static final class Capture {
    private final Thread thread;
    private final byte[] kept;
    private int length;
    private boolean truncated;

    private Capture(InputStream in, int cap) {
      this.kept = new byte[cap];
      this.thread = Thread.ofVirtual().name("probe-output").start(() -> drain(in));
    }

    static Capture start(InputStream in, int cap) {
      return new Capture(in, cap);
    }

    private void drain(InputStream in) {
      byte[] buffer = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          synchronized (this) {
            int room = kept.length - length;
            int take = Math.min(room, n);
            System.arraycopy(buffer, 0, kept, length, take);
            length += take;
            truncated |= take < n;
          }
        }
      } catch (IOException e) {
        // the process was killed or closed its end: what was read so far is the output
      }
    }

    String text() throws InterruptedException {
      // a grandchild that escaped the kill may keep the pipe open: do not wait for it for ever
      thread.join(Duration.ofSeconds(2));
      synchronized (this) {
        return new String(kept, 0, length, StandardCharsets.UTF_8);
      }
    }

    synchronized boolean truncated() {
      return truncated;
    }
  }

  // ---- websocket

  private Outcome webSocket(Check.WebSocket c, Duration timeout, EnvReader.Snapshot snap)
      throws InterruptedException {
    java.net.http.WebSocket.Builder builder = webSocketClient().newWebSocketBuilder().connectTimeout(timeout);
    Optional<String> missing = headers(c.headers(), snap, builder::header);
    if (missing.isPresent()) {
      return Outcome.of(HealthStatus.UNKNOWN, Outcome.CONFIG_ERROR, missing.get());
    }
    var future = builder.buildAsync(c.url(), new java.net.http.WebSocket.Listener() {});
    try {
      java.net.http.WebSocket socket = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      socket.abort(); // the handshake is what was asked; nothing is sent
      return Outcome.healthy("upgraded to WebSocket at " + c.url());
    } catch (TimeoutException e) {
      future.cancel(true);
      return Outcome.unhealthy(Outcome.TIMEOUT, "no WebSocket handshake with " + c.url() + " within " + Durations.text(timeout));
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof WebSocketHandshakeException h) {
        int status = h.getResponse().statusCode();
        String category = status == 401 || status == 403 ? Outcome.AUTH_ERROR : Outcome.UNEXPECTED_STATUS;
        return Outcome.unhealthy(category, "WebSocket handshake with " + c.url() + " refused: HTTP " + status)
            .withEvidence(Map.of("http_status", status));
      }
      if (cause instanceof HttpTimeoutException) {
        return Outcome.unhealthy(Outcome.TIMEOUT, "no WebSocket handshake with " + c.url() + " within " + Durations.text(timeout));
      }
      if (cause instanceof IOException io) {
        return connectionFailure(c.url(), io);
      }
      return Outcome.unhealthy(Outcome.CONNECTION_ERROR, "WebSocket " + c.url() + ": " + cause);
    }
  }

  private synchronized HttpClient webSocketClient() {
    if (webSockets == null) {
      webSockets = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
    }
    return webSockets;
  }

  private static String preview(String text) {
    String t = text.strip().replaceAll("\\s+", " ");
    return t.length() > PREVIEW ? t.substring(0, PREVIEW - 3) + "..." : t;
  }

  private static List<Integer> sorted(Set<Integer> codes) {
    return codes.stream().sorted().toList();
  }
}
