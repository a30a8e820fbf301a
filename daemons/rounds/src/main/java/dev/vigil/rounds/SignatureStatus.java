package dev.vigil.rounds;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where a signature is in its life: {@code new -> investigating -> diagnosed -> resolved | muted}.
 * A resolved signature that recurs goes back to {@link #NEW} with its regression flag set
 * (regression is a flag and an audit entry, not a state). The legal moves are a table here, so the
 * store, the CLI and the API all refuse the same ones.
 */
public enum SignatureStatus {
  /** Seen, not yet looked at (or reopened: by a regression, an unmute or an abandoned investigation). */
  NEW,
  /** An investigation is under way. */
  INVESTIGATING,
  /** An investigation produced a diagnosis. */
  DIAGNOSED,
  /** Someone fixed it; a recurrence reopens it as a regression. */
  RESOLVED,
  /** Someone chose to ignore it; it keeps counting but is never investigated. */
  MUTED;

  /** The lower-case name used in the store, the CLI and JSON. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The status with this wire name (any case).
   *
   * @throws IllegalArgumentException naming the value and the known statuses
   */
  public static SignatureStatus fromWire(String name) {
    for (SignatureStatus s : values()) {
      if (s.wireName().equalsIgnoreCase(name == null ? "" : name.strip())) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown signature status '" + name + "' (known: new, investigating, diagnosed, resolved, muted)");
  }

  /** The statuses a signature in this one may move to. */
  public Set<SignatureStatus> next() {
    return switch (this) {
      // resolved straight from new: an operator may know it is fixed without an investigation
      case NEW -> EnumSet.of(INVESTIGATING, RESOLVED, MUTED);
      // back to new: the investigation was abandoned (lease expired, budget spent) and may retry
      case INVESTIGATING -> EnumSet.of(DIAGNOSED, NEW, RESOLVED, MUTED);
      case DIAGNOSED -> EnumSet.of(RESOLVED, MUTED, INVESTIGATING);
      // back to new: a recurrence (regression) or an operator reopening it
      case RESOLVED -> EnumSet.of(NEW, MUTED);
      // back to new: unmuted
      case MUTED -> EnumSet.of(NEW);
    };
  }

  /** Whether moving from this status to {@code to} is legal. */
  public boolean canMoveTo(SignatureStatus to) {
    return next().contains(to);
  }
}
