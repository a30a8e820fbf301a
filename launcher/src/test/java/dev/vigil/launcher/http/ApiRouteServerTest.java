package dev.vigil.launcher.http;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.IdleDaemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A module's {@link ApiRoute}s on the real server with a real client: the token, the body as a
 * JSON object, the path and query parameters, the caller's name, and the refusals around them.
 */
class ApiRouteServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DaemonManager manager;
  private NodeHttpServer server;
  private HttpClient http;

  /** Answers what it was given, so the test sees what the server passed on. */
  private static final ApiRoute ECHO =
      new ApiRoute(
          "POST",
          "/api/things/{id}/poke",
          r -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", r.path("id"));
            body.put("query", r.query());
            body.put("body", r.body());
            body.put("actor", r.actor());
            return ApiRoute.Response.ok(body).withHeader("X-Echo", "yes");
          });

  @BeforeEach
  void start() throws Exception {
    DaemonSpec alpha =
        DaemonSpec.builder(NodeHttpServerTest.ALPHA, () -> new IdleDaemon() {}).build();
    manager = DaemonManager.builder(DaemonRegistry.of(alpha)).build();
    manager.start(List.of(NodeHttpServerTest.ALPHA)).get(10, SECONDS);
    ApiRoute teapot =
        new ApiRoute("GET", "/api/things", r -> ApiRoute.Response.error(418, "teapot", "short and stout"));
    server =
        NodeHttpServer.start(
            "127.0.0.1",
            0,
            manager,
            NodeHttpServerTest.NODE,
            NodeHttpServerTest.TOKEN,
            () -> {},
            new NodeHttpServer.Extensions(List.of(), () -> false, List.of(ECHO, teapot)));
    http = HttpClient.newHttpClient();
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    server.close();
    manager.shutdown(Duration.ofSeconds(10)).get(20, SECONDS);
  }

  @Test
  void theHandlerGetsPathQueryBodyAndTheDefaultActorAndItsAnswerIsWrittenAsJson() throws Exception {
    HttpResponse<String> r = post("/api/things/42/poke?x=1&x=2&y=z", "{\"reason\": \"why not\"}", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.headers().firstValue("X-Echo")).hasValue("yes");
    JsonNode echo = JSON.readTree(r.body());
    assertThat(echo.get("id").asText()).isEqualTo("42");
    assertThat(echo.get("query").toString()).isEqualTo("{\"x\":[\"1\",\"2\"],\"y\":[\"z\"]}");
    assertThat(echo.get("body").get("reason").asText()).isEqualTo("why not");
    assertThat(echo.get("actor").asText()).isEqualTo("api:token");
  }

  @Test
  void xVigilActorNamesTheCallerAndAnEmptyBodyIsAnEmptyObject() throws Exception {
    HttpResponse<String> r = post("/api/things/7/poke", "", "ops-bot@example");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode echo = JSON.readTree(r.body());
    assertThat(echo.get("actor").asText()).isEqualTo("api:ops-bot@example");
    assertThat(echo.get("body").size()).isZero();
  }

  @Test
  void aHandlersOwnStatusAndErrorShapeComeThrough() throws Exception {
    HttpResponse<String> r =
        http.send(
            request("/api/things").header("Authorization", "Bearer " + NodeHttpServerTest.TOKEN).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(418);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("teapot");
  }

  @Test
  void refusesWithoutTheTokenBeforeLookingAtTheBody() throws Exception {
    HttpResponse<String> r =
        http.send(
            request("/api/things/1/poke").POST(HttpRequest.BodyPublishers.ofString("not json")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"vigil\"");
    assertThat(post("/api/things/1/poke", "{}", null, "Bearer wrong").statusCode()).isEqualTo(401);
  }

  @Test
  void refusesABodyThatIsNotAJsonObjectNamingWhy() throws Exception {
    HttpResponse<String> notJson = post("/api/things/1/poke", "{\"reason\": ", null);
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(notJson.body()).get("message").asText()).startsWith("the body is not JSON: ");

    HttpResponse<String> array = post("/api/things/1/poke", "[1, 2]", null);
    assertThat(array.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(array.body()).get("message").asText())
        .isEqualTo("the body must be a JSON object, not array");
  }

  @Test
  void refusesABadActorHeader() throws Exception {
    HttpResponse<String> tooLong = post("/api/things/1/poke", "{}", "x".repeat(65));
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(tooLong.body()).get("message").asText())
        .startsWith("header X-Vigil-Actor: must be 1 to 64 printable ASCII characters");
    assertThat(post("/api/things/1/poke", "{}", "ops\tbot").statusCode()).isEqualTo(400); // a control character
  }

  @Test
  void refusesABodyOverTheLimitAndAWrongMethodWithAllow() throws Exception {
    String big = "{\"reason\": \"" + "a".repeat(NodeHttpServer.MAX_BODY_BYTES) + "\"}";
    assertThat(post("/api/things/1/poke", big, null).statusCode()).isEqualTo(413);

    HttpResponse<String> get =
        http.send(
            request("/api/things/1/poke").header("Authorization", "Bearer " + NodeHttpServerTest.TOKEN).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void aRouteThatClashesWithABuiltInOneOrAnotherIsRefusedAtStart() {
    ApiRoute shutdown = new ApiRoute("POST", "/api/shutdown", r -> ApiRoute.Response.ok("no"));
    assertThatThrownBy(() -> startWith(shutdown))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route POST /api/shutdown clashes with POST /api/shutdown");
    ApiRoute control = new ApiRoute("POST", "/api/daemons/{x}/stop", r -> ApiRoute.Response.ok("no"));
    assertThatThrownBy(() -> startWith(control))
        .hasMessage("route POST /api/daemons/{x}/stop clashes with POST /api/daemons/{name}/{action}");
    ApiRoute twin = new ApiRoute("POST", "/api/things/{other}/poke", r -> ApiRoute.Response.ok("no"));
    assertThatThrownBy(() -> startWith(ECHO, twin)).hasMessageContaining("clashes with POST /api/things/{id}/poke");
  }

  @Test
  void aTemplateOutsideApiIsRefused() {
    assertThatThrownBy(() -> new ApiRoute("GET", "/metrics2", r -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must start with /api/");
    assertThatThrownBy(() -> new ApiRoute("PATCH", "/api/x", r -> null))
        .hasMessageContaining("method PATCH is not one of");
  }

  private void startWith(ApiRoute... routes) throws Exception {
    NodeHttpServer.start(
            "127.0.0.1",
            0,
            manager,
            NodeHttpServerTest.NODE,
            NodeHttpServerTest.TOKEN,
            () -> {},
            new NodeHttpServer.Extensions(List.of(), () -> false, List.of(routes)))
        .close();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> post(String path, String body, String actor) throws Exception {
    return post(path, body, actor, "Bearer " + NodeHttpServerTest.TOKEN);
  }

  private HttpResponse<String> post(String path, String body, String actor, String authorization)
      throws Exception {
    HttpRequest.Builder b =
        request(path).header("Authorization", authorization).POST(HttpRequest.BodyPublishers.ofString(body));
    if (actor != null) {
      b.header("X-Vigil-Actor", actor);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
