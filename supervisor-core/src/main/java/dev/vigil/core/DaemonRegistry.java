package dev.vigil.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Every daemon spec a node knows, queried by type and category. Made from a list of specs without
 * judging them; {@link #validate()} then reports every problem at once (invalid value, duplicate
 * type, unknown dependency, dependency cycle with its path), and a {@link DaemonManager} refuses a
 * registry that has any. Immutable and thread-safe.
 */
public final class DaemonRegistry {
  private final Map<DaemonType, DaemonSpec> specs;
  private final List<String> duplicates;

  private DaemonRegistry(Map<DaemonType, DaemonSpec> specs, List<String> duplicates) {
    this.specs = specs;
    this.duplicates = duplicates;
  }

  /** A registry of these specs; a repeated type is kept once and reported by {@link #validate()}. */
  public static DaemonRegistry of(Collection<DaemonSpec> specs) {
    Map<DaemonType, DaemonSpec> byType = new LinkedHashMap<>();
    List<String> duplicates = new ArrayList<>();
    for (DaemonSpec spec : specs) {
      if (byType.putIfAbsent(spec.type(), spec) != null) {
        duplicates.add(spec.type() + ": declared more than once");
      }
    }
    return new DaemonRegistry(
        java.util.Collections.unmodifiableMap(byType), List.copyOf(duplicates));
  }

  /** A registry of these specs. */
  public static DaemonRegistry of(DaemonSpec... specs) {
    return of(List.of(specs));
  }

  /** This registry plus {@code more} specs. */
  public DaemonRegistry with(Collection<DaemonSpec> more) {
    List<DaemonSpec> all = new ArrayList<>(specs.values());
    all.addAll(more);
    DaemonRegistry merged = of(all);
    List<String> allDuplicates = new ArrayList<>(duplicates);
    allDuplicates.addAll(merged.duplicates);
    return new DaemonRegistry(merged.specs, List.copyOf(allDuplicates));
  }

  /** Every problem: invalid values, duplicates, unknown dependencies and cycles. Empty when valid. */
  public List<String> validate() {
    List<String> problems = new ArrayList<>(duplicates);
    for (DaemonSpec spec : specs.values()) {
      problems.addAll(spec.problems());
      for (DaemonType dep : new TreeSet<>(spec.dependencies())) {
        if (!specs.containsKey(dep)) {
          problems.add(
              spec.type() + ": depends on unknown daemon " + dep + " (known: " + typeNames() + ")");
        }
      }
    }
    problems.addAll(cycles());
    return problems;
  }

  /** Throws an {@link InvalidSpecException} with every problem {@link #validate()} finds. */
  public DaemonRegistry requireValid() {
    List<String> problems = validate();
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
    return this;
  }

  /** The spec of {@code type}, if known. */
  public Optional<DaemonSpec> spec(DaemonType type) {
    return Optional.ofNullable(specs.get(type));
  }

  /** Every spec, in declaration order. */
  public Collection<DaemonSpec> specs() {
    return specs.values();
  }

  /** Every type, in declaration order. */
  public Set<DaemonType> types() {
    return specs.keySet();
  }

  /** Specs grouped by category, categories and types sorted by name. */
  public SortedMap<String, List<DaemonSpec>> byCategory() {
    SortedMap<String, List<DaemonSpec>> result = new TreeMap<>();
    specs.values().stream()
        .sorted((a, b) -> a.type().compareTo(b.type()))
        .forEach(s -> result.computeIfAbsent(s.category(), c -> new ArrayList<>()).add(s));
    result.replaceAll((c, list) -> List.copyOf(list));
    return java.util.Collections.unmodifiableSortedMap(result);
  }

  /** The specs of one category, sorted by type. */
  public List<DaemonSpec> byCategory(String category) {
    return byCategory().getOrDefault(category, List.of());
  }

  /** {@code types} with every transitive dependency added (unknown types are kept as they are). */
  public Set<DaemonType> withDependencies(Collection<DaemonType> types) {
    Set<DaemonType> closed = new HashSet<>();
    Deque<DaemonType> todo = new ArrayDeque<>(types);
    while (!todo.isEmpty()) {
      DaemonType t = todo.pop();
      if (closed.add(t)) {
        spec(t).ifPresent(s -> todo.addAll(s.dependencies()));
      }
    }
    return Set.copyOf(closed);
  }

  String typeNames() {
    return specs.keySet().stream().map(DaemonType::name).sorted().collect(Collectors.joining(", "));
  }

  /** Each dependency cycle once, as its path ("A -> B -> A"), found by depth-first search. */
  private List<String> cycles() {
    List<String> found = new ArrayList<>();
    Map<DaemonType, Integer> color = new HashMap<>(); // absent white, 1 grey, 2 black
    for (DaemonType root : new TreeSet<>(specs.keySet())) {
      if (color.containsKey(root)) {
        continue;
      }
      // iterative DFS keeping the current path, so 10,000-deep chains do not overflow the stack
      Deque<DaemonType> path = new ArrayDeque<>();
      Deque<java.util.Iterator<DaemonType>> iterators = new ArrayDeque<>();
      path.push(root);
      color.put(root, 1);
      iterators.push(sortedDependencies(root).iterator());
      while (!path.isEmpty()) {
        java.util.Iterator<DaemonType> it = iterators.peek();
        if (!it.hasNext()) {
          color.put(path.pop(), 2);
          iterators.pop();
          continue;
        }
        DaemonType next = it.next();
        Integer c = color.get(next);
        if (c == null) {
          color.put(next, 1);
          path.push(next);
          iterators.push(sortedDependencies(next).iterator());
        } else if (c == 1) {
          List<DaemonType> cycle = new ArrayList<>();
          for (DaemonType t : path) { // path iterates top (newest) first
            cycle.add(0, t);
            if (t.equals(next)) {
              break;
            }
          }
          cycle.add(next);
          if (cycle.size() > 2) { // a self-dependency is already reported by the spec
            found.add(
                "dependency cycle: "
                    + cycle.stream().map(DaemonType::name).collect(Collectors.joining(" -> ")));
          }
        }
      }
    }
    return found;
  }

  private List<DaemonType> sortedDependencies(DaemonType type) {
    DaemonSpec spec = specs.get(type);
    if (spec == null) {
      return List.of();
    }
    return spec.dependencies().stream().filter(specs::containsKey).sorted().toList();
  }
}
