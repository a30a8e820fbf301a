package dev.vigil.rounds.telemetry;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A local HTTP server standing in for a SaaS or self-hosted backend: routes answer with payloads
 * shaped like wire-formats.md, and every request is recorded so tests can check path, query,
 * headers and body. A {@link Reply#hang()} answer blocks until the server closes (for timeouts).
 */
final class FakeBackend implements AutoCloseable {
  record Request(String method, String path, Map<String, List<String>> query, Headers headers, String body) {
    String param(String name) {
      List<String> v = query.get(name);
      return v == null ? null : v.get(0);
    }

    String header(String name) {
      return headers.getFirst(name);
    }
  }

  record Reply(int status, String body, Map<String, String> headers, boolean hang) {
    static Reply json(String body) {
      return new Reply(200, body, Map.of("Content-Type", "application/json"), false);
    }

    static Reply status(int status, String body) {
      return new Reply(status, body, Map.of("Content-Type", "text/plain"), false);
    }

    static Reply hanging() {
      return new Reply(200, "", Map.of(), true);
    }

    Reply withHeader(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Reply(status, body, h, hang);
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Function<Request, Reply>> routes = new ConcurrentHashMap<>();
  private final CountDownLatch closing = new CountDownLatch(1);

  FakeBackend() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers requests to {@code path} (exact match) with {@code fn}. */
  FakeBackend route(String path, Function<Request, Reply> fn) {
    routes.put(path, fn);
    return this;
  }

  /** Answers requests to {@code path} with these replies in turn, repeating the last one. */
  FakeBackend script(String path, Reply... replies) {
    List<Reply> left = Collections.synchronizedList(new ArrayList<>(List.of(replies)));
    return route(path, r -> left.size() > 1 ? left.remove(0) : left.get(0));
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  List<Request> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String body;
      try (InputStream in = ex.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Request req =
          new Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), query(ex.getRequestURI().getRawQuery()), ex.getRequestHeaders(), body);
      requests.add(req);
      Function<Request, Reply> route = routes.get(req.path());
      Reply reply = route == null ? Reply.status(404, "404 page not found") : route.apply(req);
      if (reply.hang()) {
        try {
          closing.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return m;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return m;
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
  }
}
