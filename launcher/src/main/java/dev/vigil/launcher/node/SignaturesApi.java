package dev.vigil.launcher.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.launcher.http.ApiRoute;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.investigation.Investigator;
import dev.vigil.rounds.investigation.Management;
import dev.vigil.rounds.investigation.ManagementJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rounds module's management endpoints on the node's HTTP server, each a thin adapter over
 * {@link Management} (the code {@code vigil signatures ...} runs) rendering {@link ManagementJson}
 * (the documents it prints):
 *
 * <ul>
 *   <li>{@code GET /api/signatures?status=&service=&limit=}: as {@code signatures list --json}
 *   <li>{@code GET /api/signatures/{id}}: as {@code signatures show ID --json} (id or fingerprint)
 *   <li>{@code POST /api/signatures/{id}/mute} {@code {"reason": ...}}, {@code /resolve} {@code
 *       {"fix": ...}}, {@code /retriage} and {@code /reinvestigate} {@code {"reason": ...}}: 200
 *       {@code {"message", "signature"}}
 *   <li>{@code POST /api/signatures/{id}/diagnose}: as {@code diagnose-signature ID}
 *   <li>{@code POST /api/investigate}: as {@code investigate --json}
 * </ul>
 *
 * <p>Audited as the server's actor ({@code api:NAME}). 400 a bad field or query parameter (named,
 * with why), 404 no such signature, 409 a move the lifecycle does not allow or a signature leased
 * by a running investigation, 502 a diagnosis that failed (the document says why), 503 no store
 * running or no budget left (with {@code until} and {@code Retry-After}).
 */
final class SignaturesApi {
  private static final Set<String> LIST_PARAMETERS = Set.of("status", "service", "limit");

  private SignaturesApi() {}

  /** The endpoints over {@code management}; {@code clock} tells how long until a budget reset. */
  static List<ApiRoute> routes(Management management, Clock clock) {
    return List.of(
        new ApiRoute("GET", "/api/signatures", r -> guarded(() -> list(management, r))),
        new ApiRoute("GET", "/api/signatures/{id}", r -> guarded(() -> show(management, r))),
        change("mute", "reason", management::mute),
        change("resolve", "fix", management::resolve),
        change("retriage", "reason", management::retriage),
        change("reinvestigate", "reason", management::reinvestigate),
        new ApiRoute(
            "POST", "/api/signatures/{id}/diagnose", r -> guarded(() -> diagnose(management, r, clock))),
        new ApiRoute("POST", "/api/investigate", r -> guarded(() -> investigate(management, r, clock))));
  }

  // ---------------------------------------------------------------------------- endpoints

  private static ApiRoute.Response list(Management m, ApiRoute.Request r) {
    for (Map.Entry<String, List<String>> q : r.query().entrySet()) {
      if (!LIST_PARAMETERS.contains(q.getKey())) {
        throw new BadRequest(
            "unknown query parameter '" + q.getKey() + "' (known: " + new TreeSet<>(LIST_PARAMETERS) + ")");
      }
      if (q.getValue().size() > 1) {
        throw new BadRequest(q.getKey() + ": given " + q.getValue().size() + " times, once at most");
      }
    }
    SignatureStatus status = null;
    if (r.query("status").isPresent()) {
      try {
        status = SignatureStatus.fromWire(r.query("status").get());
      } catch (IllegalArgumentException e) {
        throw new BadRequest("status: " + e.getMessage());
      }
    }
    String service = r.query("service").filter(s -> !s.isBlank()).orElse(null);
    int limit = 1000;
    if (r.query("limit").isPresent()) {
      String text = r.query("limit").get().strip();
      try {
        limit = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new BadRequest("limit: '" + text + "' is not a whole number");
      }
      if (limit < 1) {
        throw new BadRequest("limit: " + limit + " must be at least 1");
      }
    }
    return ApiRoute.Response.ok(ManagementJson.list(m.list(new SignatureStore.Query(status, service, limit))));
  }

  private static ApiRoute.Response show(Management m, ApiRoute.Request r) {
    String key = r.path("id");
    return m.show(key)
        .map(d -> ApiRoute.Response.ok(ManagementJson.detail(d)))
        .orElseGet(() -> notFound(key));
  }

  /** What a change endpoint calls: the signature's id, the actor, the one optional text field. */
  @FunctionalInterface
  private interface Change {
    Management.Answer<Management.Moved> apply(long id, String actor, String text) throws InterruptedException;
  }

  private static ApiRoute change(String action, String field, Change change) {
    return new ApiRoute(
        "POST",
        "/api/signatures/{id}/" + action,
        r -> guarded(() -> {
          long id = id(r);
          String text = fields(r.body(), Set.of(field)).get(field);
          return switch (change.apply(id, r.actor(), text)) {
            case Management.Answer.Done<Management.Moved> done -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("message", done.value().message());
              body.put("signature", ManagementJson.signature(done.value().signature()));
              yield ApiRoute.Response.ok(body);
            }
            case Management.Answer.NotFound<Management.Moved> none -> notFound(Long.toString(id));
            case Management.Answer.Refused<Management.Moved> refused ->
                ApiRoute.Response.error(409, "conflict", refused.message());
          };
        }));
  }

  private static ApiRoute.Response diagnose(Management m, ApiRoute.Request r, Clock clock)
      throws InterruptedException {
    long id = id(r);
    fields(r.body(), Set.of());
    return switch (m.diagnose(id, r.actor())) {
      case Management.Answer.NotFound<Investigator.Result> none -> notFound(Long.toString(id));
      case Management.Answer.Refused<Investigator.Result> refused ->
          ApiRoute.Response.error(409, "conflict", refused.message());
      case Management.Answer.Done<Investigator.Result> done -> {
        Investigator.Result result = done.value();
        Map<String, Object> doc = ManagementJson.diagnosis(id, result);
        String why = result.state().lastError();
        yield switch (result.outcome()) {
          case DIAGNOSED -> ApiRoute.Response.ok(doc);
          case BUDGET_EXHAUSTED -> budgetExhausted(why, result.state().nextAttemptAt(), doc, clock);
          case FAILED, NEEDS_HUMAN -> withError(502, "diagnosis_failed", why, null, doc);
          case LEASE_LOST, ABANDONED -> withError(
              409, "conflict", "the investigation lost its lease or was stopped before it finished", null, doc);
        };
      }
    };
  }

  private static ApiRoute.Response investigate(Management m, ApiRoute.Request r, Clock clock)
      throws InterruptedException {
    fields(r.body(), Set.of());
    Management.Cycle c = m.investigate(r.actor());
    Map<String, Object> doc = ManagementJson.report(c.report());
    if (c.report().started() == 0 && c.budgetExhaustedUntil().isPresent()) {
      return budgetExhausted(c.budgetText(), c.budgetExhaustedUntil().get(), doc, clock);
    }
    return ApiRoute.Response.ok(doc);
  }

  // ------------------------------------------------------------------------------ helpers

  /** The body of an answered endpoint, which may refuse bad input or find the store gone. */
  @FunctionalInterface
  interface Work {
    ApiRoute.Response run() throws InterruptedException;
  }

  static ApiRoute.Response guarded(Work work) throws InterruptedException {
    try {
      return work.run();
    } catch (BadRequest e) {
      return ApiRoute.Response.error(400, "bad_request", e.getMessage());
    } catch (StoreException e) {
      return ApiRoute.Response.error(503, "store_unavailable", e.getMessage());
    }
  }

  private static ApiRoute.Response notFound(String key) {
    return ApiRoute.Response.error(404, "not_found", "no signature " + key);
  }

  private static ApiRoute.Response budgetExhausted(
      String why, Instant until, Map<String, Object> doc, Clock clock) {
    ApiRoute.Response answer = withError(503, "budget_exhausted", why, until, doc);
    if (until == null) {
      return answer;
    }
    long seconds = Math.max(1, Duration.between(clock.instant(), until).toSeconds());
    return answer.withHeader("Retry-After", Long.toString(seconds));
  }

  /** {@code doc} after {@code error}, {@code message} and, when known, {@code until}. */
  private static ApiRoute.Response withError(
      int status, String code, String message, Instant until, Map<String, Object> doc) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", message);
    if (until != null) {
      body.put("until", until.toString());
    }
    body.putAll(doc);
    return new ApiRoute.Response(status, body, Map.of());
  }

  private static long id(ApiRoute.Request r) {
    String text = r.path("id").strip();
    if (!text.matches("\\d{1,18}")) {
      throw new BadRequest("id: '" + text + "' is not a signature id (a whole number)");
    }
    return Long.parseLong(text);
  }

  /**
   * The body's text fields: each must be one of {@code known}, a string (or null, as absent) of
   * at most {@link Management#MAX_REASON_LENGTH} characters.
   */
  static Map<String, String> fields(ObjectNode body, Set<String> known) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String name = f.getKey();
      if (!known.contains(name)) {
        throw new BadRequest(
            "unknown field '" + name + "'" + (known.isEmpty() ? " (this endpoint takes no field)" : " (known: " + String.join(", ", new TreeSet<>(known)) + ")"));
      }
      JsonNode v = f.getValue();
      if (v.isNull()) {
        continue;
      }
      if (!v.isTextual()) {
        throw new BadRequest(name + ": must be a string, not " + v.getNodeType().name().toLowerCase(Locale.ROOT));
      }
      if (v.textValue().length() > Management.MAX_REASON_LENGTH) {
        throw new BadRequest(name + ": " + v.textValue().length() + " characters, at most "
            + Management.MAX_REASON_LENGTH);
      }
      values.put(name, v.textValue());
    }
    return values;
  }

  /** Bad input, answered 400 with its message. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message, null, false, false);
    }
  }
}
