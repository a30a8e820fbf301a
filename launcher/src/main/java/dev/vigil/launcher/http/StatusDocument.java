package dev.vigil.launcher.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vigil.core.DaemonInfo;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonState;
import dev.vigil.core.DaemonType;
import dev.vigil.core.ErrorInfo;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.ManagerSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The document {@code GET /status} serves, built from one {@link ManagerSnapshot} so that no view
 * mixes states from different moments. The CLI renders {@code vigil --status} from the same
 * document it fetches ({@link #parse}), so the node and the CLI cannot disagree on field names.
 *
 * <p>On the wire the fields are snake_case; daemon names and states are the enum names ({@code
 * RUNNING}), health statuses their lower-case wire names ({@code degraded}), instants ISO-8601
 * strings, durations whole seconds. Absent values are JSON {@code null}. Immutable.
 *
 * @param node the node itself
 * @param daemons every daemon, built-ins included, sorted by name
 */
public record StatusDocument(Node node, List<Daemon> daemons) {

  /** Copies the daemon list. */
  public StatusDocument {
    Objects.requireNonNull(node, "node");
    daemons = List.copyOf(daemons);
  }

  /**
   * The status of the node described by {@code node} whose manager took {@code snapshot}; the
   * dependencies come from {@code registry}. Uptimes are measured to {@code snapshot.takenAt()}.
   */
  public static StatusDocument of(
      ManagerSnapshot snapshot, DaemonRegistry registry, NodeInfo node) {
    Instant now = snapshot.takenAt();
    List<Daemon> daemons = new ArrayList<>(snapshot.daemons().size());
    for (DaemonInfo info : snapshot.daemons().values()) {
      daemons.add(Daemon.of(info, registry.spec(info.type()), now));
    }
    return new StatusDocument(Node.of(node, now), daemons);
  }

  /** This document as a JSON tree. */
  public JsonNode toJson() {
    return Json.MAPPER.valueToTree(this);
  }

  /**
   * Reads a document that {@code GET /status} served.
   *
   * @throws IllegalArgumentException if {@code json} is not such a document
   */
  public static StatusDocument parse(String json) {
    try {
      return Json.MAPPER.readValue(json, StatusDocument.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a /status document: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * The node.
   *
   * @param name its name
   * @param profile the profile it runs
   * @param pid its process id
   * @param startedAt when it started (ISO-8601)
   * @param version the build version
   * @param httpUrl its HTTP base URI, or null
   * @param uptimeSeconds whole seconds since it started, at the snapshot's instant
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Node(
      String name,
      String profile,
      long pid,
      String startedAt,
      String version,
      String httpUrl,
      long uptimeSeconds) {

    static Node of(NodeInfo info, Instant now) {
      return new Node(
          info.name(),
          info.profile(),
          info.pid(),
          info.startedAt().toString(),
          info.version(),
          info.httpUrl(),
          seconds(Duration.between(info.startedAt(), now)));
    }
  }

  /**
   * One daemon.
   *
   * @param name its type's name
   * @param category its category
   * @param state its {@link DaemonState} name
   * @param ready whether it is RUNNING (started and ready)
   * @param critical whether it counts for the node's liveness and readiness
   * @param health the last health result the watchdog accepted
   * @param restarts restarts since the manager was built
   * @param lastError its last crash, or null
   * @param uptimeSeconds whole seconds its current instance has been RUNNING, 0 when it is not
   * @param dependsOn the daemons it depends on, sorted
   * @param nextRestartAt when its pending restart is due (ISO-8601), or null
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Daemon(
      String name,
      String category,
      String state,
      boolean ready,
      boolean critical,
      Health health,
      int restarts,
      LastError lastError,
      long uptimeSeconds,
      List<String> dependsOn,
      String nextRestartAt) {

    /** Copies the dependency list. */
    public Daemon {
      dependsOn = List.copyOf(dependsOn);
    }

    static Daemon of(DaemonInfo info, Optional<DaemonSpec> spec, Instant now) {
      List<String> deps =
          spec.map(DaemonSpec::dependencies).stream()
              .flatMap(Collection::stream)
              .map(DaemonType::name)
              .sorted()
              .toList();
      return new Daemon(
          info.type().name(),
          info.category(),
          info.state().name(),
          info.state() == DaemonState.RUNNING,
          info.critical(),
          Health.of(info.health()),
          info.restartCount(),
          info.lastError().map(LastError::of).orElse(null),
          seconds(info.uptime(now)),
          deps,
          info.nextRestartAt().map(Instant::toString).orElse(null));
    }
  }

  /**
   * A health result.
   *
   * @param status the lower-case wire name of its {@link dev.vigil.core.HealthStatus}
   * @param message a short explanation, empty when there is nothing to say
   * @param details extra facts; values are JSON numbers, booleans, strings, lists or maps (anything
   *     else is shown as its {@code toString()})
   */
  public record Health(String status, String message, Map<String, Object> details) {

    static Health of(HealthCheckResult result) {
      Map<String, Object> details = new LinkedHashMap<>();
      // sorted, so the document is stable from one request to the next
      new TreeMap<>(result.details()).forEach((k, v) -> details.put(k, jsonSafe(v)));
      return new Health(
          result.status().wireName(), result.message(), Collections.unmodifiableMap(details));
    }
  }

  /**
   * A daemon's last crash.
   *
   * @param type the exception's class name
   * @param message its message, or empty
   * @param at when it happened (ISO-8601)
   */
  public record LastError(String type, String message, String at) {
    static LastError of(ErrorInfo error) {
      return new LastError(error.type(), error.message(), error.at().toString());
    }
  }

  private static long seconds(Duration d) {
    return Math.max(0, d.getSeconds());
  }

  /**
   * Details are whatever a daemon put there; Jackson cannot serialise every type (an Instant
   * without the JSR-310 module, a self-referencing bean), so anything that is not plainly JSON is
   * shown as text rather than failing the whole page.
   */
  private static Object jsonSafe(Object value) {
    if (value == null
        || value instanceof String
        || value instanceof Number
        || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), jsonSafe(v)));
      return copy;
    }
    if (value instanceof Collection<?> list) {
      return list.stream().map(StatusDocument::jsonSafe).toList();
    }
    return value.toString();
  }
}
