package dev.vigil.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A named set of daemon types a node runs (a role: standalone, coordinator, worker, ...). Starting
 * a profile starts its daemons' dependencies too; {@link #closedOver(DaemonRegistry)} makes that
 * explicit.
 *
 * @param name the profile's name
 * @param types the daemons it names, immutable
 */
public record Profile(String name, Set<DaemonType> types) {

  /** Copies the types. */
  public Profile {
    Objects.requireNonNull(name, "name");
    types = Set.copyOf(types);
  }

  /** A profile naming these daemons. */
  public static Profile of(String name, DaemonType... types) {
    return new Profile(name, new java.util.LinkedHashSet<>(java.util.Arrays.asList(types)));
  }

  /**
   * This profile with every transitive dependency added.
   *
   * @throws InvalidSpecException naming every type the registry does not know, with the known ones
   */
  public Profile closedOver(DaemonRegistry registry) {
    requireKnown(registry);
    return new Profile(name, registry.withDependencies(types));
  }

  /** Throws an {@link InvalidSpecException} naming every type the registry does not know. */
  void requireKnown(DaemonRegistry registry) {
    List<String> unknown = new ArrayList<>();
    for (DaemonType t : new TreeSet<>(types)) {
      if (registry.spec(t).isEmpty()) {
        unknown.add(
            "profile " + name + ": unknown daemon " + t + " (known: " + registry.typeNames() + ")");
      }
    }
    if (!unknown.isEmpty()) {
      throw new InvalidSpecException(unknown);
    }
  }
}
