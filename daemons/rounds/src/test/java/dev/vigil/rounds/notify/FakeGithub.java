package dev.vigil.rounds.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for the GitHub issues API of one repository, answering as the wire reference
 * section 7 shows; it records every request and can be told to fail the next ones. Public for the
 * investigation tests, which drive it through the investigator.
 */
public final class FakeGithub implements AutoCloseable {
  record Request(String method, String pathAndQuery, Map<String, String> headers, String body) {}

  record Canned(int status, Map<String, String> headers, String body) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ISSUE = Pattern.compile("/repos/acme/shop/issues/(\\d+)(/comments)?");

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private final Deque<Canned> failures = new ArrayDeque<>();
  private final Map<Long, ObjectNode> issues = new LinkedHashMap<>();
  private final Map<Long, List<String>> comments = new LinkedHashMap<>();
  private long nextNumber = 1;

  public FakeGithub() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public synchronized void failNext(int status, Map<String, String> headers, String body) {
    failures.add(new Canned(status, headers, body));
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  public synchronized List<String> requestLines() {
    return requests.stream().map(r -> r.method() + " " + r.pathAndQuery()).toList();
  }

  public synchronized ObjectNode issue(long number) {
    return issues.get(number);
  }

  public synchronized List<String> comments(long number) {
    return comments.getOrDefault(number, List.of());
  }

  public synchronized int issueCount() {
    return issues.size();
  }

  /** A pull request carrying a label, as the list endpoint also returns them. */
  synchronized void addPullRequest(String label) {
    ObjectNode pr = newItem("a pull request", "", List.of(label));
    pr.putObject("pull_request").put("url", "https://api.github.com/repos/acme/shop/pulls/" + pr.get("number"));
  }

  private synchronized void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h : List.of("Authorization", "Accept", "X-GitHub-Api-Version", "User-Agent", "Content-Type")) {
      String v = ex.getRequestHeaders().getFirst(h);
      if (v != null) {
        headers.put(h, v);
      }
    }
    URI uri = ex.getRequestURI();
    String pq = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    requests.add(new Request(ex.getRequestMethod(), pq, headers, body));
    Canned fail = failures.poll();
    if (fail != null) {
      fail.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      send(ex, fail.status(), fail.body());
      return;
    }
    String path = uri.getRawPath();
    String method = ex.getRequestMethod();
    if (path.equals("/repos/acme/shop/issues") && method.equals("GET")) {
      Map<String, String> q = query(uri.getRawQuery());
      String state = q.getOrDefault("state", "open");
      List<String> want = q.containsKey("labels") ? List.of(q.get("labels").split(",")) : List.of();
      ArrayNode out = JSON.createArrayNode();
      List<ObjectNode> all = new ArrayList<>(issues.values());
      java.util.Collections.reverse(all); // newest first, as GitHub sorts by created desc
      for (ObjectNode i : all) {
        List<String> labels = new ArrayList<>();
        i.path("labels").forEach(l -> labels.add(l.path("name").asText()));
        boolean stateOk = state.equals("all") || i.path("state").asText().equals(state);
        if (stateOk && labels.containsAll(want)) {
          out.add(i);
        }
      }
      send(ex, 200, out.toString());
    } else if (path.equals("/repos/acme/shop/issues") && method.equals("POST")) {
      JsonNode req = JSON.readTree(body);
      if (!req.hasNonNull("title")) {
        send(ex, 422, "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Issue\",\"field\":\"title\",\"code\":\"missing_field\"}],\"status\":\"422\"}");
        return;
      }
      List<String> labels = new ArrayList<>();
      req.path("labels").forEach(l -> labels.add(l.asText()));
      ObjectNode issue = newItem(req.get("title").asText(), req.path("body").asText(), labels);
      ex.getResponseHeaders().add("Location", "https://api.github.com/repos/acme/shop/issues/" + issue.get("number"));
      send(ex, 201, issue.toString());
    } else {
      Matcher m = ISSUE.matcher(path);
      if (!m.matches()) {
        send(ex, 404, "{\"message\":\"Not Found\"}");
        return;
      }
      long n = Long.parseLong(m.group(1));
      ObjectNode issue = issues.get(n);
      if (issue == null) {
        send(ex, 404, "{\"message\":\"Not Found\"}");
      } else if (m.group(2) != null && method.equals("POST")) {
        comments.computeIfAbsent(n, k -> new ArrayList<>()).add(JSON.readTree(body).path("body").asText());
        issue.put("comments", comments.get(n).size());
        send(ex, 201, "{\"id\":" + (1000 + comments.get(n).size()) + ",\"body\":\"...\"}");
      } else if (method.equals("PATCH")) {
        JsonNode req = JSON.readTree(body);
        if (req.has("state")) {
          issue.put("state", req.get("state").asText());
          issue.put("state_reason", req.path("state_reason").asText(null));
        }
        send(ex, 200, issue.toString());
      } else {
        send(ex, 405, "{\"message\":\"Method Not Allowed\"}");
      }
    }
  }

  private ObjectNode newItem(String title, String body, List<String> labels) {
    long n = nextNumber++;
    ObjectNode i = JSON.createObjectNode();
    i.put("id", 5000 + n).put("number", n).put("title", title).put("body", body)
        .put("state", "open").putNull("state_reason").put("comments", 0)
        .put("html_url", "https://github.com/acme/shop/issues/" + n);
    ArrayNode ls = i.putArray("labels");
    labels.forEach(l -> ls.addObject().put("name", l).put("color", "ededed"));
    issues.put(n, i);
    return i;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw != null) {
      for (String kv : raw.split("&")) {
        int eq = kv.indexOf('=');
        q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return q;
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
