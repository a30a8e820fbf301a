package dev.vigil.launcher.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.launcher.http.ApiRoute;
import dev.vigil.rounds.investigation.Management;
import dev.vigil.rounds.investigation.ManagementJson;
import dev.vigil.rounds.notify.NotificationQueue;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The notification queue's endpoints on the node's HTTP server, thin adapters over {@link
 * Management} (the code {@code vigil notifications} runs) rendering {@link ManagementJson}:
 *
 * <ul>
 *   <li>{@code GET /api/notifications[?parked=true]}: as {@code vigil notifications [--parked] --json}
 *   <li>{@code POST /api/notifications/{id}/retry} {@code {"reason": ...}}: as {@code vigil
 *       notifications retry ID --json}
 *   <li>{@code POST /api/notifications/retry} {@code {"ids": [...], "reason": ...}} or {@code
 *       {"all_parked": true, "reason": ...}}: as {@code retry ID... | --all-parked --json}
 * </ul>
 *
 * <p>A retry is audited as the server's actor ({@code api:NAME}). 200 {@code {"retried",
 * "missing", "not_parked"}}; 400 a bad field or parameter (named, with why); 404 an id not in the
 * queue and 409 one not parked (the error, then the same document: nothing was retried); 503 no
 * store running.
 */
final class NotificationsApi {
  private static final Set<String> RETRY_FIELDS = Set.of("ids", "all_parked", "reason");

  private NotificationsApi() {}

  /** The endpoints over {@code management}. */
  static List<ApiRoute> routes(Management management) {
    return List.of(
        new ApiRoute("GET", "/api/notifications", r -> SignaturesApi.guarded(() -> list(management, r))),
        new ApiRoute("POST", "/api/notifications/{id}/retry", r -> SignaturesApi.guarded(() -> {
          long id = id(r.path("id"));
          String reason = SignaturesApi.fields(r.body(), Set.of("reason")).get("reason");
          return retried(management.retryNotifications(List.of(id), r.actor(), reason));
        })),
        new ApiRoute("POST", "/api/notifications/retry", r -> SignaturesApi.guarded(() -> retry(management, r))));
  }

  private static ApiRoute.Response list(Management m, ApiRoute.Request r) {
    for (Map.Entry<String, List<String>> q : r.query().entrySet()) {
      if (!q.getKey().equals("parked")) {
        throw new SignaturesApi.BadRequest("unknown query parameter '" + q.getKey() + "' (known: [parked])");
      }
      if (q.getValue().size() > 1) {
        throw new SignaturesApi.BadRequest("parked: given " + q.getValue().size() + " times, once at most");
      }
    }
    String parked = r.query("parked").orElse("false").strip();
    if (!parked.equals("true") && !parked.equals("false")) {
      throw new SignaturesApi.BadRequest("parked: '" + parked + "' is neither true nor false");
    }
    return ApiRoute.Response.ok(ManagementJson.notifications(m.notifications(parked.equals("true"))));
  }

  private static ApiRoute.Response retry(Management m, ApiRoute.Request r) {
    ObjectNode body = r.body();
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!RETRY_FIELDS.contains(name)) {
        throw new SignaturesApi.BadRequest(
            "unknown field '" + name + "' (known: " + String.join(", ", new TreeSet<>(RETRY_FIELDS)) + ")");
      }
    }
    List<Long> ids = new ArrayList<>();
    JsonNode idsNode = body.get("ids");
    if (idsNode != null && !idsNode.isNull()) {
      if (!idsNode.isArray()) {
        throw new SignaturesApi.BadRequest("ids: must be an array of queue ids, not " + type(idsNode));
      }
      for (JsonNode id : idsNode) {
        if (!id.canConvertToExactIntegral() || id.asLong() < 1) {
          throw new SignaturesApi.BadRequest("ids: " + id + " is not a queue id (a whole number, 1 or more)");
        }
        ids.add(id.asLong());
      }
    }
    JsonNode all = body.get("all_parked");
    if (all != null && !all.isNull() && !all.isBoolean()) {
      throw new SignaturesApi.BadRequest("all_parked: must be true or false, not " + type(all));
    }
    boolean allParked = all != null && all.asBoolean(false);
    if (allParked == !ids.isEmpty()) {
      throw new SignaturesApi.BadRequest("give either a non-empty \"ids\" or \"all_parked\": true");
    }
    ObjectNode reasonOnly = body.objectNode();
    if (body.has("reason")) {
      reasonOnly.set("reason", body.get("reason"));
    }
    String reason = SignaturesApi.fields(reasonOnly, Set.of("reason")).get("reason");
    return retried(m.retryNotifications(ids, r.actor(), reason));
  }

  private static ApiRoute.Response retried(NotificationQueue.Retried r) {
    Map<String, Object> doc = ManagementJson.retried(r);
    if (!r.refused()) {
      return ApiRoute.Response.ok(doc);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    boolean missing = !r.missing().isEmpty();
    body.put("error", missing ? "not_found" : "conflict");
    body.put("message", Management.retryRefusal(r));
    body.putAll(doc);
    return new ApiRoute.Response(missing ? 404 : 409, body, Map.of());
  }

  private static long id(String text) {
    String t = text.strip();
    if (!t.matches("\\d{1,18}")) {
      throw new SignaturesApi.BadRequest("id: '" + t + "' is not a queue id (a whole number)");
    }
    return Long.parseLong(t);
  }

  private static String type(JsonNode n) {
    return n.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}
