package dev.vigil.launcher.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An endpoint a daemon module adds to the node's HTTP server (through {@link
 * NodeHttpServer.Extensions}), always behind the control API's bearer token. The server matches
 * the method and the path template, checks the token, the body's size (64 KiB) and the {@code
 * X-Vigil-Actor} header, parses the body as a JSON object, then calls the {@link Handler} on a
 * virtual thread; the handler may block (on a store, on a model) for as long as it needs.
 *
 * @param method {@code GET}, {@code POST}, {@code PUT} or {@code DELETE}
 * @param template the path under {@code /api/}, with {@code {name}} for a path parameter
 *     ({@code /api/signatures/{id}/mute}); it must not clash with another route
 * @param handler answers the requests
 */
public record ApiRoute(String method, String template, Handler handler) {
  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE");

  /**
   * Checks the method and the template.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public ApiRoute {
    Objects.requireNonNull(handler, "handler");
    method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      throw new IllegalArgumentException("method " + method + " is not one of " + METHODS);
    }
    Objects.requireNonNull(template, "template");
    if (!template.startsWith("/api/") || template.endsWith("/") || template.contains("//")) {
      throw new IllegalArgumentException(
          "template '" + template + "' must start with /api/ and have no empty segment");
    }
    for (String segment : template.substring(1).split("/")) {
      boolean param = segment.startsWith("{") && segment.endsWith("}") && segment.length() > 2;
      if (!param && (segment.contains("{") || segment.contains("}"))) {
        throw new IllegalArgumentException(
            "template '" + template + "': segment '" + segment + "' is neither a name nor {param}");
      }
    }
  }

  /** Answers one request; called on a request's own virtual thread. */
  @FunctionalInterface
  public interface Handler {
    /**
     * Answers {@code request}. An exception is logged and answered 500; bad input should be
     * answered 400 naming the field and why ({@link Response#error}).
     */
    Response handle(Request request) throws Exception;
  }

  /**
   * One authenticated request.
   *
   * @param path the template's parameters, by name, as the path gave them (decoded)
   * @param query the query parameters, each with every value given, in order
   * @param body the body, a JSON object (empty when the request had no body)
   * @param actor who asks, for an audit log: {@code api:NAME} from the {@code X-Vigil-Actor}
   *     header (1 to 64 printable ASCII characters), or {@code api:token} without one
   */
  public record Request(Map<String, String> path, Map<String, List<String>> query, ObjectNode body, String actor) {
    /** Copies the maps. */
    public Request {
      path = Map.copyOf(path);
      Map<String, List<String>> q = new LinkedHashMap<>();
      query.forEach((k, v) -> q.put(k, List.copyOf(v)));
      query = java.util.Collections.unmodifiableMap(q);
      Objects.requireNonNull(body, "body");
      Objects.requireNonNull(actor, "actor");
    }

    /** The path parameter {@code name} (the template names it, so it is always there). */
    public String path(String name) {
      String value = path.get(name);
      if (value == null) {
        throw new IllegalArgumentException("the template has no parameter {" + name + "}");
      }
      return value;
    }

    /** The last value of query parameter {@code name}, if given. */
    public Optional<String> query(String name) {
      List<String> values = query.get(name);
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
    }
  }

  /**
   * What a handler answers: a status and a body the server writes as JSON.
   *
   * @param status the HTTP status
   * @param body rendered as JSON (maps, lists, strings, numbers, booleans, null, records)
   * @param headers extra response headers
   */
  public record Response(int status, Object body, Map<String, String> headers) {
    /** Copies the headers. */
    public Response {
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException("status " + status + " is not an HTTP status");
      }
      headers = Map.copyOf(headers);
    }

    /** 200 with {@code body}. */
    public static Response ok(Object body) {
      return new Response(200, body, Map.of());
    }

    /** {@code status} with the server's error shape {@code {"error": code, "message": text}}. */
    public static Response error(int status, String code, String message) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", code);
      body.put("message", message);
      return new Response(status, body, Map.of());
    }

    /** This response with one more header. */
    public Response withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Response(status, body, more);
    }
  }
}
