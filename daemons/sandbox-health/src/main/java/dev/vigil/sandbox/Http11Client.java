package dev.vigil.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The HTTP/1.1 client of {@code http} probes and of {@code port-free}'s {@code or-served-at}: one
 * blocking exchange on the calling (virtual) thread, over a kept-alive connection when one is
 * idle. It does what a probe needs and no more: any method, headers, a text body, no redirects
 * (a 3xx is the answer), no proxy, {@code https} with the JDK's default trust store and host name
 * verification, and one deadline that bounds everything from connecting to the last byte of the
 * body, however slowly a server trickles it.
 *
 * <p>{@code java.net.http} did the same through its asynchronous machinery (a selector thread,
 * executor hand-offs, completable futures), which cost most of the probes' CPU time; a blocking
 * exchange on a virtual thread costs a connect (or none), one write and a read or two.
 *
 * <p>Thread-safe: exchanges may run at once; each takes a connection of its own.
 */
final class Http11Client implements AutoCloseable {
  /** The deadline passed before the exchange ended. */
  static final class Timeout extends IOException {
    Timeout(String message) {
      super(message);
    }
  }

  /** A response: its status and its body as text (empty when it was not asked for). */
  record Response(int status, String body) {}

  /**
   * An idle connection is reused only this long after its last exchange: less than the keep-alive
   * timeouts common servers close idle connections after (uvicorn and Node.js: 5 s), so that a
   * reused connection is seldom one the server is closing at that very moment.
   */
  static final Duration MAX_IDLE = Duration.ofSeconds(4);

  /** Idle connections kept per server; more are closed. */
  static final int MAX_IDLE_PER_SERVER = 8;

  /** Names java.net.http refuses as well: the client writes these itself, or cannot honour them. */
  private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

  /** Methods that may be sent again when a kept connection turns out closed (RFC 9110, 9.2.2). */
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");

  /** The longest status or header line read; a connection's buffer holds one whole. */
  private static final int MAX_LINE = 16 * 1024;
  private static final int MAX_HEADERS = 200;

  private final LongSupplier nanoTime;
  private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>(); // each deque guarded by itself
  private volatile boolean closed;

  /** @param nanoTime the monotonic clock the deadlines and idle ages are measured with */
  Http11Client(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /**
   * Sends one request and reads the whole response within {@code timeout}.
   *
   * @param headers in order; names and values must not contain CR or LF
   * @param readBody whether the body is wanted as text; when not, it is read and dropped (so that
   *     the connection can serve again)
   * @throws Timeout when {@code timeout} passed first, connecting included
   * @throws IOException when the server cannot be reached or did not answer in HTTP/1.x (a
   *     refused connection is a {@link java.net.ConnectException}, an unknown host an {@link
   *     java.net.UnknownHostException})
   * @throws IllegalArgumentException for a header the client must write itself or one with a line
   *     break, as {@code java.net.http} refuses them
   */
  Response send(
      String method, URI url, List<Map.Entry<String, String>> headers, Optional<String> body, Duration timeout,
      boolean readBody) throws IOException {
    long deadline = nanoTime.getAsLong() + Math.max(1, timeout.toNanos());
    String scheme = url.getScheme().toLowerCase(Locale.ROOT);
    boolean tls = scheme.equals("https");
    String host = url.getHost();
    if (host == null) {
      throw new IOException("no host in " + url);
    }
    int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
    byte[] request = request(method, url, host, port, tls, headers, body);
    String key = scheme + "://" + host + ":" + port;
    boolean head = method.equals("HEAD");

    // a request that must not happen twice never goes on a kept connection, which the server may
    // have closed after reading it: a retry could repeat it, and no retry would report a failure
    // that is not there
    Connection reused = IDEMPOTENT.contains(method) ? takeIdle(key) : null;
    if (reused != null) {
      try {
        return exchange(reused, key, request, head, readBody, deadline);
      } catch (Stale e) {
        if (Thread.currentThread().isInterrupted()) {
          throw (IOException) e.getCause(); // stopping, not a stale connection
        }
        // the server closed the kept-alive connection as we used it: try once on a new one
      }
    }
    Connection fresh = connect(host, port, tls, deadline);
    try {
      return exchange(fresh, key, request, head, readBody, deadline);
    } catch (Stale e) {
      throw (IOException) e.getCause();
    }
  }

  /** Closes every idle connection; exchanges after this open a connection each and keep none. */
  @Override
  public void close() {
    closed = true;
    idle.values().forEach(q -> {
      for (Connection c; (c = poll(q)) != null; ) {
        c.close();
      }
    });
  }

  /** How many idle connections are kept now (for tests). */
  int idleConnections() {
    return idle.values().stream().mapToInt(q -> {
      synchronized (q) {
        return q.size();
      }
    }).sum();
  }

  // ---- the exchange

  /** A reused connection failed before the response began: nothing was answered on it. */
  private static final class Stale extends Exception {
    Stale(IOException cause) {
      super(cause);
    }
  }

  private Response exchange(Connection c, String key, byte[] request, boolean head, boolean readBody, long deadline)
      throws IOException, Stale {
    boolean keep = false;
    try {
      String statusLine;
      try {
        c.out.write(request);
        c.out.flush();
        statusLine = c.readLine(deadline);
      } catch (EOFException | java.net.SocketException e) {
        if (c.used && !c.received) {
          throw new Stale(e);
        }
        throw e;
      }
      int status;
      Map<String, String> fields;
      while (true) {
        status = status(statusLine);
        fields = fields(c, deadline);
        if (status >= 200 || status == 101) {
          break;
        }
        statusLine = c.readLine(deadline); // 100 Continue, 103 Early Hints: the answer follows
      }
      byte[] content;
      boolean delimited = true;
      String encoding = fields.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
      String length = fields.get("content-length");
      if (head || status == 204 || status == 304 || status == 101) {
        content = new byte[0];
      } else if (encoding.endsWith("chunked")) {
        content = c.readChunked(deadline, readBody);
      } else if (length != null) {
        content = c.readFixed(contentLength(length), deadline, readBody);
      } else {
        content = c.readToEnd(deadline, readBody);
        delimited = false;
      }
      String connection = fields.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
      keep = delimited && status != 101 && !connection.contains("close")
          && (statusLine.startsWith("HTTP/1.1") || connection.contains("keep-alive"));
      String text = readBody ? new String(content, charset(fields.get("content-type"))) : "";
      return new Response(status, text);
    } catch (SocketTimeoutException e) {
      throw new Timeout("no answer before the deadline");
    } finally {
      if (keep) {
        giveBack(key, c);
      } else {
        c.close();
      }
    }
  }

  private static int status(String line) throws IOException {
    // HTTP/1.1 200 OK
    if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
      throw new IOException("not an HTTP/1.x response: " + printable(line));
    }
    int status = 0;
    for (int i = 9; i < 12; i++) {
      char ch = line.charAt(i);
      if (ch < '0' || ch > '9') {
        throw new IOException("bad status line: " + printable(line));
      }
      status = status * 10 + (ch - '0');
    }
    return status;
  }

  /** The header fields, names in lower case; repeated fields joined with a comma. */
  private static Map<String, String> fields(Connection c, long deadline) throws IOException {
    Map<String, String> out = new java.util.HashMap<>();
    for (int n = 0; ; n++) {
      String line = c.readLine(deadline);
      if (line.isEmpty()) {
        return out;
      }
      if (n >= MAX_HEADERS) {
        throw new IOException("more than " + MAX_HEADERS + " header fields");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue; // not a field (an obsolete folded line): nothing a probe reads
      }
      String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip();
      out.merge(name, value, (a, b) -> a + ", " + b);
    }
  }

  private static long contentLength(String value) throws IOException {
    String v = value.contains(",") ? value.substring(0, value.indexOf(',')).strip() : value;
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IOException("bad Content-Length: " + printable(value));
  }

  /** The charset the Content-Type names, UTF-8 when it names none or one the JDK lacks. */
  static Charset charset(String contentType) {
    if (contentType == null || contentType.indexOf(';') < 0) {
      return StandardCharsets.UTF_8;
    }
    for (String param : contentType.split(";")) {
      String p = param.strip();
      if (p.regionMatches(true, 0, "charset=", 0, 8)) {
        String name = p.substring(8).strip();
        if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
          name = name.substring(1, name.length() - 1);
        }
        try {
          return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
          return StandardCharsets.UTF_8;
        }
      }
    }
    return StandardCharsets.UTF_8;
  }

  /** The request's bytes, written at once so that it leaves in one segment. */
  private static byte[] request(
      String method, URI url, String host, int port, boolean tls, List<Map.Entry<String, String>> headers,
      Optional<String> body) {
    StringBuilder b = new StringBuilder(256);
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    b.append(method).append(' ').append(path);
    if (url.getRawQuery() != null) {
      b.append('?').append(url.getRawQuery());
    }
    b.append(" HTTP/1.1\r\nHost: ").append(host);
    if (port != (tls ? 443 : 80)) {
      b.append(':').append(port);
    }
    b.append("\r\n");
    boolean agent = false;
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey();
      if (name.isEmpty() || !token(name)) {
        throw new IllegalArgumentException("invalid header name: \"" + name + "\"");
      }
      if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("restricted header name: \"" + name + "\"");
      }
      String value = h.getValue();
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("invalid header value for " + name);
      }
      agent |= name.equalsIgnoreCase("user-agent");
      b.append(name).append(": ").append(value).append("\r\n");
    }
    if (!agent) {
      b.append("User-Agent: vigil-probe\r\n");
    }
    byte[] content = body.map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(null);
    if (content != null || method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
      b.append("Content-Length: ").append(content == null ? 0 : content.length).append("\r\n");
    }
    b.append("\r\n");
    byte[] head = b.toString().getBytes(StandardCharsets.UTF_8);
    if (content == null || content.length == 0) {
      return head;
    }
    byte[] all = java.util.Arrays.copyOf(head, head.length + content.length);
    System.arraycopy(content, 0, all, head.length, content.length);
    return all;
  }

  /** RFC 9110 token characters. */
  private static boolean token(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      boolean ok = ch > 32 && ch < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(ch) < 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  // ---- connections

  private Connection connect(String host, int port, boolean tls, long deadline) throws IOException {
    String address = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    Socket socket = new Socket(Proxy.NO_PROXY);
    try {
      InetSocketAddress target = new InetSocketAddress(address, port);
      if (target.isUnresolved()) {
        throw new java.net.UnknownHostException(address);
      }
      socket.connect(target, remainingMillis(deadline));
      if (tls) {
        SSLSocketFactory tlsFactory = (SSLSocketFactory) SSLSocketFactory.getDefault();
        SSLSocket ssl = (SSLSocket) tlsFactory.createSocket(socket, address, port, true);
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        ssl.setSSLParameters(params);
        ssl.setSoTimeout(remainingMillis(deadline));
        ssl.startHandshake();
        socket = ssl;
      }
      return new Connection(socket);
    } catch (SocketTimeoutException e) {
      socket.close();
      throw new Timeout("no connection before the deadline");
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  private int remainingMillis(long deadline) throws Timeout {
    long left = deadline - nanoTime.getAsLong();
    if (left <= 0) {
      throw new Timeout("no answer before the deadline");
    }
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (left + 999_999) / 1_000_000));
  }

  private Connection takeIdle(String key) {
    Deque<Connection> q = idle.get(key);
    if (q == null) {
      return null;
    }
    long now = nanoTime.getAsLong();
    for (Connection c; (c = poll(q)) != null; ) {
      if (now - c.idleSince <= MAX_IDLE.toNanos()) {
        return c;
      }
      c.close(); // too old to trust; the older ones behind it too, in turn
    }
    return null;
  }

  private void giveBack(String key, Connection c) {
    if (closed) {
      c.close();
      return;
    }
    c.used = true;
    c.received = false;
    c.idleSince = nanoTime.getAsLong();
    Deque<Connection> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
    Connection extra = null;
    synchronized (q) {
      q.offerFirst(c); // the most recently used first: the least likely to be closed by the server
      if (q.size() > MAX_IDLE_PER_SERVER) {
        extra = q.pollLast();
      }
    }
    if (extra != null) {
      extra.close();
    }
    if (closed) {
      close(); // closed meanwhile: this one must not stay open
    }
  }

  private static Connection poll(Deque<Connection> q) {
    synchronized (q) {
      return q.pollFirst();
    }
  }

  /** One socket and its read buffer. Used by one exchange at a time. */
  private final class Connection {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    final byte[] buffer = new byte[MAX_LINE];
    int start;
    int end;
    long idleSince;
    boolean used; // it served an exchange before this one
    boolean received; // a byte of this exchange's response arrived

    Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
    }

    /** Reads more into the buffer within the deadline; false at the end of the stream. */
    boolean fill(long deadline) throws IOException {
      if (start > 0 && start == end) {
        start = 0;
        end = 0;
      }
      if (end == buffer.length) {
        System.arraycopy(buffer, start, buffer, 0, end - start);
        end -= start;
        start = 0;
      }
      socket.setSoTimeout(remainingMillis(deadline));
      int n = in.read(buffer, end, buffer.length - end);
      if (n < 0) {
        return false;
      }
      received = true;
      end += n;
      return true;
    }

    /** A line without its CRLF (or bare LF), as ISO-8859-1. */
    String readLine(long deadline) throws IOException {
      int checked = 0; // bytes after start known to hold no LF
      while (true) {
        for (int i = start + checked; i < end; i++) {
          if (buffer[i] == '\n') {
            int stop = i > start && buffer[i - 1] == '\r' ? i - 1 : i;
            String line = new String(buffer, start, stop - start, StandardCharsets.ISO_8859_1);
            start = i + 1;
            return line;
          }
        }
        checked = end - start;
        if (checked == buffer.length) {
          throw new IOException("a response line longer than " + buffer.length + " bytes");
        }
        if (!fill(deadline)) {
          throw new EOFException("the connection closed before the response ended");
        }
      }
    }

    byte[] readFixed(long length, long deadline, boolean keep) throws IOException {
      ByteArrayOutputStream body = keep ? new ByteArrayOutputStream((int) Math.min(length, 64 * 1024)) : null;
      long left = length;
      while (left > 0) {
        if (start == end && !fill(deadline)) {
          throw new EOFException("the connection closed " + left + " bytes before the end of the body");
        }
        int take = (int) Math.min(left, end - start);
        if (body != null) {
          body.write(buffer, start, take);
        }
        start += take;
        left -= take;
      }
      return body == null ? new byte[0] : body.toByteArray();
    }

    byte[] readChunked(long deadline, boolean keep) throws IOException {
      ByteArrayOutputStream body = keep ? new ByteArrayOutputStream() : null;
      while (true) {
        String line = readLine(deadline);
        int semi = line.indexOf(';');
        String hex = (semi >= 0 ? line.substring(0, semi) : line).strip();
        long size;
        try {
          size = Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size: " + printable(line));
        }
        if (size < 0) {
          throw new IOException("bad chunk size: " + printable(line));
        }
        if (size == 0) {
          while (!readLine(deadline).isEmpty()) {
            // trailer fields: nothing a probe reads
          }
          return body == null ? new byte[0] : body.toByteArray();
        }
        byte[] chunk = readFixed(size, deadline, keep);
        if (body != null) {
          body.write(chunk);
        }
        if (!readLine(deadline).isEmpty()) {
          throw new IOException("a chunk longer than its size");
        }
      }
    }

    byte[] readToEnd(long deadline, boolean keep) throws IOException {
      ByteArrayOutputStream body = keep ? new ByteArrayOutputStream() : null;
      while (true) {
        if (start == end && !fill(deadline)) {
          return body == null ? new byte[0] : body.toByteArray();
        }
        if (body != null) {
          body.write(buffer, start, end - start);
        }
        start = end;
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing: nothing more to do with it
      }
    }
  }

  /** What a server sent, quoted in an error: short and printable. */
  private static String printable(String s) {
    String t = s.length() > 80 ? s.substring(0, 77) + "..." : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
