package dev.vigil.core;

import java.util.regex.Pattern;

/**
 * The typed identity of a daemon, such as {@code TELEMETRY_POLLER}. Names are UPPER_SNAKE; each
 * module declares its own constants, and plug-ins loaded from configuration get one by name.
 *
 * @param name the UPPER_SNAKE name, unique within a registry
 */
public record DaemonType(String name) implements Comparable<DaemonType> {
  private static final Pattern UPPER_SNAKE = Pattern.compile("[A-Z][A-Z0-9]*(_[A-Z0-9]+)*");

  /** Rejects names that are not UPPER_SNAKE, naming the value and the rule. */
  public DaemonType {
    if (name == null || !UPPER_SNAKE.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "daemon type name '" + name + "' is not UPPER_SNAKE (e.g. TELEMETRY_POLLER)");
    }
  }

  /** Returns the type with this name. */
  public static DaemonType of(String name) {
    return new DaemonType(name);
  }

  @Override
  public int compareTo(DaemonType other) {
    return name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return name;
  }
}
