package dev.vigil.rounds.telemetry;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code SERVICE_FILTER}: the services to read, or all of them when empty. Sources push it into
 * the query where the API can filter by service and check each event against it in any case.
 */
record ServiceFilter(Set<String> services) {
  ServiceFilter {
    services = Set.copyOf(services);
  }

  /** From a comma-separated list; blanks are ignored. */
  static ServiceFilter parse(String commaSeparated) {
    Set<String> s = new LinkedHashSet<>();
    Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(x -> !x.isEmpty()).forEach(s::add);
    return new ServiceFilter(s);
  }

  static ServiceFilter all() {
    return new ServiceFilter(Set.of());
  }

  boolean isAll() {
    return services.isEmpty();
  }

  boolean allows(String service) {
    return services.isEmpty() || services.contains(service);
  }

  /** The services in a stable order, for one query per service. */
  java.util.List<String> sorted() {
    return services.stream().sorted().toList();
  }
}
