package dev.vigil.launcher.node;

import dev.vigil.core.BuiltinDaemons;
import dev.vigil.core.DaemonType;
import dev.vigil.launcher.http.HealthServerDaemon;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The check of a profile's daemon names against the catalog, shared by {@link Node} (which runs
 * them) and {@code vigil validate} (which only checks them), so both accept and reject the same
 * names with the same words.
 */
public final class DaemonNames {
  /** Every node runs these whatever its profile lists: the HTTP server and the supervisor's own. */
  public static final List<DaemonType> ALWAYS =
      List.of(
          HealthServerDaemon.HEALTH_SERVER,
          BuiltinDaemons.DAEMON_WATCHDOG,
          BuiltinDaemons.EVENT_ROUTER);

  private DaemonNames() {}

  /**
   * The profile's names, case-insensitively, as types, after {@code HEALTH_SERVER}; the manager's
   * own built-ins are accepted and left out, since every manager runs them anyway.
   *
   * @param known every name a profile may list ({@link Catalog#types()})
   * @throws BadConfigException naming every unknown one with the known ones
   */
  static Set<DaemonType> resolve(List<String> names, Collection<DaemonType> known) {
    Set<DaemonType> types = new LinkedHashSet<>(List.of(HealthServerDaemon.HEALTH_SERVER));
    List<String> problems = new ArrayList<>();
    for (String name : names) {
      DaemonType type = find(name, known);
      if (type == null) {
        problems.add(unknown(name, known));
      } else if (!type.equals(BuiltinDaemons.DAEMON_WATCHDOG)
          && !type.equals(BuiltinDaemons.EVENT_ROUTER)) {
        types.add(type);
      }
    }
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    return types;
  }

  private static DaemonType find(String name, Collection<DaemonType> catalog) {
    String upper = name.strip().toUpperCase(Locale.ROOT);
    return catalog.stream().filter(t -> t.name().equals(upper)).findFirst().orElse(null);
  }

  private static String unknown(String name, Collection<DaemonType> catalog) {
    return "unknown daemon '"
        + name
        + "' (known: "
        + String.join(", ", catalog.stream().map(DaemonType::name).sorted().toList())
        + ")";
  }
}
