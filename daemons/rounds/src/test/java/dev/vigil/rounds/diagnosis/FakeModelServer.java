package dev.vigil.rounds.diagnosis;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A local model API that answers with canned responses, in order, and records the requests. */
final class FakeModelServer implements AutoCloseable {
  record Request(String method, String path, Map<String, String> headers, String body) {}

  record Canned(int status, Map<String, String> headers, String body) {}

  private final HttpServer server;
  private final Deque<Canned> answers = new ArrayDeque<>();
  private final List<Request> requests = new ArrayList<>();

  FakeModelServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> headers = new LinkedHashMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
      Canned c;
      synchronized (this) {
        requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().toString(), headers, body));
        c = answers.poll();
      }
      if (c == null) {
        c = new Canned(500, Map.of(), "{\"error\":\"no canned answer left\"}");
      }
      byte[] bytes = c.body().getBytes(StandardCharsets.UTF_8);
      c.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      ex.getResponseHeaders().add("content-type", "application/json");
      ex.sendResponseHeaders(c.status(), bytes.length);
      ex.getResponseBody().write(bytes);
      ex.close();
    });
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  synchronized FakeModelServer answer(int status, String body) {
    return answer(status, Map.of(), body);
  }

  synchronized FakeModelServer answer(int status, Map<String, String> headers, String body) {
    answers.add(new Canned(status, headers, body));
    return this;
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
