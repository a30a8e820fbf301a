package dev.vigil.launcher.node;

import java.util.List;

/** The daemon modules compiled into this launcher, in the order their daemons are listed. */
final class Modules {
  private Modules() {}

  /** Each module's entry, adapted to {@link DaemonModule}. */
  static List<DaemonModule> all() {
    return List.of();
  }
}
