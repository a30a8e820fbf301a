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

  /**
   * The names a profile may list: the types of {@code Node}'s catalog, which builds their specs
   * only when it runs. Keep the two in step when a daemon joins the catalog.
   */
  public static final List<DaemonType> CATALOG = List.of(HealthServerDaemon.HEALTH_SERVER);

  private DaemonNames() {}

  /**
   * The profile's names, case-insensitively, as types, after {@code HEALTH_SERVER}.
   *
   * @throws BadConfigException naming every unknown one with the known ones
   */
  static Set<DaemonType> resolve(List<String> names, Collection<DaemonType> catalog) {
    Set<DaemonType> types = new LinkedHashSet<>(List.of(HealthServerDaemon.HEALTH_SERVER));
    List<String> problems = new ArrayList<>();
    for (String name : names) {
      DaemonType type = find(name, catalog);
      if (type == null) {
        problems.add(unknown(name, catalog));
      } else {
        types.add(type);
      }
    }
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    return types;
  }

  /**
   * What {@link Node} would say about {@code names}: one line per unknown name, none if all are
   * known to {@link #CATALOG}.
   */
  public static List<String> problems(List<String> names) {
    List<String> problems = new ArrayList<>();
    for (String name : names) {
      if (find(name, CATALOG) == null) {
        problems.add(unknown(name, CATALOG));
      }
    }
    return problems;
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
