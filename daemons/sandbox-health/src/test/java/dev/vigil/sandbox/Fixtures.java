package dev.vigil.sandbox;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Real things on loopback for the probes to look at, and config helpers. */
final class Fixtures {
  private Fixtures() {}

  /** The whole config tree with {@code block} as the SANDBOX_HEALTH block over the defaults. */
  static Config config(String block) {
    return ConfigFactory.parseString("vigil.daemons.SANDBOX_HEALTH { " + block + " }")
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  static SandboxHealthModule module(String block, Map<String, String> env, Path dir) {
    return SandboxHealthModule.create(config(block), env, dir);
  }

  /** A canned answer: status, body, content type, and how long to wait before answering. */
  record Reply(int status, String body, Duration delay) {
    static Reply json(int status, String body) {
      return new Reply(status, body, Duration.ZERO);
    }
  }

  /** A JDK HTTP server on 127.0.0.1 whose routes answer what the test sets. */
  static final class Http implements AutoCloseable {
    final HttpServer server;
    final Map<String, Supplier<Reply>> routes = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    final Map<String, String> lastAuthorization = new ConcurrentHashMap<>();

    Http() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/", exchange -> {
        String path = exchange.getRequestURI().getPath();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization"))
            .ifPresent(a -> lastAuthorization.put(path, a));
        Supplier<Reply> route = routes.get(path);
        Reply reply = route == null ? Reply.json(404, "{\"detail\":\"Not Found\"}") : route.get();
        try {
          if (!reply.delay().isZero()) {
            Thread.sleep(reply.delay()); // the server is slow: this is the behaviour under test
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.start();
    }

    Http route(String path, Reply reply) {
      routes.put(path, () -> reply);
      return this;
    }

    int port() {
      return server.getAddress().getPort();
    }

    String url(String path) {
      return "http://127.0.0.1:" + port() + path;
    }

    int hits(String path) {
      AtomicInteger n = hits.get(path);
      return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /**
   * A minimal WebSocket endpoint: answers an upgrade request on {@code path} with 101 and the
   * RFC 6455 accept key (so a real client completes the handshake), 403 when a required token is
   * missing, 404 elsewhere. It does not speak frames; the probe only needs the handshake.
   */
  static final class WebSocketServer implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    final ServerSocket socket;
    final String path;
    volatile String requiredAuthorization;
    final AtomicInteger handshakes = new AtomicInteger();

    WebSocketServer(String path) throws IOException {
      this.path = path;
      this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual().start(this::acceptLoop);
    }

    String url() {
      return "ws://127.0.0.1:" + socket.getLocalPort() + path;
    }

    private void acceptLoop() {
      while (!socket.isClosed()) {
        try {
          Socket client = socket.accept();
          Thread.ofVirtual().start(() -> serve(client));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket client) {
      try (client) {
        BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
        String requestLine = in.readLine();
        Map<String, String> headers = new HashMap<>();
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
          int colon = line.indexOf(':');
          headers.put(line.substring(0, colon).strip().toLowerCase(), line.substring(colon + 1).strip());
        }
        OutputStream out = client.getOutputStream();
        String target = requestLine.split(" ")[1];
        String response;
        if (!target.equals(path)) {
          response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        } else if (requiredAuthorization != null && !requiredAuthorization.equals(headers.get("authorization"))) {
          response = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
        } else {
          String key = headers.get("sec-websocket-key");
          String accept = Base64.getEncoder().encodeToString(
              MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1)));
          response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n";
          handshakes.incrementAndGet();
        }
        out.write(response.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        // hold the connection until the client goes away, as an endpoint would
        while (client.getInputStream().read() >= 0) {
          // discard frames
        }
      } catch (Exception e) {
        // the client went away
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** What the server does with one request: answers on {@code out}; true keeps the connection open. */
  @FunctionalInterface
  interface Answer {
    boolean answer(String request, OutputStream out) throws Exception;
  }

  /**
   * A server on 127.0.0.1 that reads each request (head and Content-Length body) whole and answers
   * with whatever the test scripts; it counts connections accepted and closed.
   */
  static final class Scripted implements AutoCloseable {
    final ServerSocket socket;
    final Answer answer;
    final boolean rawFirstRead; // answer whatever arrives first (a TLS ClientHello), not a request
    final List<String> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();

    Scripted(Answer answer) throws IOException {
      this(answer, false);
    }

    Scripted(Answer answer, boolean rawFirstRead) throws IOException {
      this.answer = answer;
      this.rawFirstRead = rawFirstRead;
      this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual().start(this::acceptLoop);
    }

    int port() {
      return socket.getLocalPort();
    }

    URI url(String path) {
      return URI.create("http://127.0.0.1:" + port() + path);
    }

    private void acceptLoop() {
      while (!socket.isClosed()) {
        try {
          Socket client = socket.accept();
          connections.incrementAndGet();
          Thread.ofVirtual().start(() -> serve(client));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket client) {
      try (client) {
        InputStream in = client.getInputStream();
        OutputStream out = client.getOutputStream();
        if (rawFirstRead) {
          in.read(new byte[4096]);
          answer.answer("", out);
          return;
        }
        while (true) {
          String request = readRequest(in);
          if (request == null) {
            return;
          }
          requests.add(request);
          if (!answer.answer(request, out)) {
            return;
          }
        }
      } catch (Exception e) {
        // the client went away or the test ended
      } finally {
        closed.incrementAndGet();
      }
    }

    /** A request's head and body as text, or null at the end of the stream. */
    private static String readRequest(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        head.write(b);
        if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
          break;
        }
      }
      if (b < 0) {
        return null;
      }
      String text = head.toString(StandardCharsets.ISO_8859_1);
      int length = 0;
      for (String line : text.split("\r\n")) {
        if (line.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).strip());
        }
      }
      return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A port nothing listens on (bound and released just now). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
