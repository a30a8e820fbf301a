package dev.vigil.sandbox;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The HTTP client of {@code http} probes and of {@code port-free}'s {@code or-served-at}: Jetty's
 * {@link HttpClient} set up for probing. HTTP/1.1, no proxy, no redirects (a 3xx is the answer), no
 * cookies kept, no compression asked for, {@code https} checked against the JDK's trust store with
 * host name verification, one deadline from queueing to the last byte of the body, and connections
 * kept alive between runs. The probe's virtual thread waits for the answer; Jetty's few platform
 * threads do the I/O.
 *
 * <p>Thread-safe. {@link #close()} stops the client: its connections and threads end.
 */
final class ProbeHttp implements AutoCloseable {
  /** The deadline passed before the exchange ended. */
  static final class Timeout extends IOException {
    Timeout(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The body was larger than {@link #MAX_BODY}: too large to judge. */
  static final class TooLarge extends IOException {
    TooLarge(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A response: its status and its body as text (empty when it was not asked for). */
  record Response(int status, String body) {}

  /**
   * The largest body kept (Jetty's own default for a buffered answer): an answer a JSON assertion
   * reads is far smaller, and a probe must not hold an unbounded body per run.
   */
  static final int MAX_BODY = 2 * 1024 * 1024;

  /**
   * A connection idle this long is closed: less than the keep-alive timeouts common servers close
   * idle connections after (uvicorn and Node.js: 5 s), so that a reused connection is seldom one
   * the server is closing at that very moment.
   */
  static final Duration MAX_IDLE = Duration.ofSeconds(4);

  /** Names the client writes itself or cannot honour; java.net.http refused the same. */
  private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

  static final String USER_AGENT = "vigil-probe";

  private final HttpClient client;

  /**
   * Starts a client: one selector and a small pool of platform threads named {@code name-*}.
   *
   * @throws IllegalStateException if Jetty cannot start (no thread or selector could be made)
   */
  ProbeHttp(String name) {
    // Platform threads, few: the selector blocks in epoll_wait, which would pin a virtual thread's
    // carrier, and it handles the answers itself (NON_BLOCKING below); the pool runs the selector
    // and what little is handed off (connects, TLS tasks). The probes themselves wait on their own
    // virtual threads, not here.
    QueuedThreadPool threads = new QueuedThreadPool(4, 1);
    threads.setName(name);
    threads.setDaemon(true); // a diagnose that ends without stopping must not keep the JVM alive
    threads.setReservedThreads(0); // no spare threads parked for blocking work: there is none
    ClientConnector connector = new ClientConnector();
    connector.setSelectors(1);
    connector.setExecutor(threads);
    SslContextFactory.Client tls = new SslContextFactory.Client(); // the JDK's trust store
    tls.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host (Jetty's default, made explicit)
    connector.setSslContextFactory(tls);
    HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
    // what runs when an answer arrives (parse it, complete the future a probe's virtual thread
    // waits on) never blocks: the selector thread may run it itself instead of handing it to
    // another thread and waking that thread for each answer
    transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
    client = new HttpClient(transport);
    client.setExecutor(threads);
    client.setScheduler(new ScheduledExecutorScheduler(name + "-timer", true));
    client.setFollowRedirects(false);
    client.setHttpCookieStore(new HttpCookieStore.Empty()); // each run as the first: no cookie carried over
    client.setDefaultRequestContentType(null); // a body has the Content-Type its probe declares, or none
    client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, USER_AGENT));
    client.setIdleTimeout(MAX_IDLE.toMillis());
    try {
      client.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the probes' HTTP client: " + e, e);
    }
    // (start() installs these) a 401 or 407 is the answer, judged by the probe: Jetty's
    // authentication handlers would fail one without a challenge header as a protocol violation
    client.getProtocolHandlers().remove(WWWAuthenticationProtocolHandler.NAME);
    client.getProtocolHandlers().remove(ProxyAuthenticationProtocolHandler.NAME);
    client.getContentDecoderFactories().clear(); // (start() adds gzip) no Accept-Encoding: the body as sent
  }

  /**
   * Sends one request and reads the whole answer within {@code timeout}.
   *
   * @param headers in order; a {@code User-Agent} among them replaces {@value #USER_AGENT}
   * @param readBody whether the body is wanted as text; when not, it is read and dropped
   * @throws Timeout when {@code timeout} passed first, connecting included
   * @throws TooLarge when the body is larger than {@link #MAX_BODY}
   * @throws IOException when the server cannot be reached or did not answer in HTTP/1.x (a refused
   *     connection is a {@link java.net.ConnectException}, an unknown host an {@link
   *     java.net.UnknownHostException}, a failed TLS handshake an {@link javax.net.ssl.SSLException})
   * @throws InterruptedException when the calling thread is interrupted; the request is aborted
   * @throws IllegalArgumentException for a header the client must write itself or one with a line
   *     break, as {@code java.net.http} refuses them
   */
  Response send(
      String method, URI url, List<Map.Entry<String, String>> headers, Optional<String> body, Duration timeout,
      boolean readBody) throws IOException, InterruptedException {
    boolean agent = false;
    for (Map.Entry<String, String> h : headers) {
      check(h.getKey(), h.getValue());
      agent |= h.getKey().equalsIgnoreCase("user-agent");
    }
    long millis = Math.max(1, timeout.toMillis());
    boolean replaceAgent = agent;
    Request request = client.newRequest(url)
        .method(method)
        .timeout(millis, TimeUnit.MILLISECONDS)
        .headers(fields -> {
          if (replaceAgent) {
            fields.remove(HttpHeader.USER_AGENT);
          }
          headers.forEach(h -> fields.add(h.getKey(), h.getValue()));
        });
    body.ifPresent(text -> request.body(new StringRequestContent(null, text, StandardCharsets.UTF_8)));
    if (millis >= MAX_IDLE.toMillis()) {
      // a server silent for the connections' idle timeout must not end an answer the probe still
      // waits for; below it the total timeout ends the exchange first, and the connection's idle
      // timeout is left alone (changing it per exchange reschedules its timer twice)
      request.idleTimeout(millis + 1000, TimeUnit.MILLISECONDS);
    }
    if (readBody) {
      ContentResponse response = await(new CompletableResponseListener(request, MAX_BODY).send(), request);
      return new Response(response.getStatus(), text(response));
    }
    CompletableFuture<Result> done = new CompletableFuture<>();
    request.send(done::complete); // no content listener: Jetty reads the body and drops it
    Result result = await(done, request);
    if (result.isFailed()) {
      throw failure(result.getFailure());
    }
    return new Response(result.getResponse().getStatus(), "");
  }

  /** Stops the client: open connections are closed, exchanges under way fail. */
  @Override
  public void close() {
    try {
      client.stop();
    } catch (Exception e) {
      // stopping: what could not be stopped cleanly ends with the threads, which are daemons
    }
  }

  /** How many connections are kept open, idle, for the next exchanges (for tests). */
  int idleConnections() {
    return client.getDestinations().stream()
        .mapToInt(d -> d.getConnectionPool() instanceof AbstractConnectionPool p ? p.getIdleConnectionCount() : 0)
        .sum();
  }

  private static <T> T await(CompletableFuture<T> future, Request request) throws IOException, InterruptedException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      request.abort(e); // the daemon is stopping: the exchange ends now, its connection with it
      throw e;
    } catch (ExecutionException e) {
      throw failure(e.getCause() == null ? e : e.getCause());
    }
  }

  private static IOException failure(Throwable cause) {
    return switch (cause) {
      case TimeoutException t -> new Timeout("no answer before the deadline", t);
      case IOException io -> io;
      case IllegalArgumentException big when String.valueOf(big.getMessage()).contains("capacity") ->
          new TooLarge("an answer larger than " + Prober.bytes(MAX_BODY), big);
      default -> new IOException(cause.toString(), cause); // a protocol violation, a stopped client
    };
  }

  /** The body in the charset the answer names, UTF-8 when it names none or one the JDK lacks. */
  private static String text(ContentResponse response) {
    try {
      return response.getContentAsString();
    } catch (RuntimeException e) {
      return new String(response.getContent(), StandardCharsets.UTF_8);
    }
  }

  private static void check(String name, String value) {
    if (name.isEmpty() || !token(name)) {
      throw new IllegalArgumentException("invalid header name: \"" + name + "\"");
    }
    if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("restricted header name: \"" + name + "\"");
    }
    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("invalid header value for " + name);
    }
  }

  /** RFC 9110 token characters. */
  private static boolean token(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch <= 32 || ch >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(ch) >= 0) {
        return false;
      }
    }
    return true;
  }
}
