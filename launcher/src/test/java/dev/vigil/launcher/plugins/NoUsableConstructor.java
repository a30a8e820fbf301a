package dev.vigil.launcher.plugins;

import dev.vigil.core.IdleDaemon;

/** A daemon the loader cannot make: its only constructor takes something it cannot give. */
public final class NoUsableConstructor extends IdleDaemon {
  /** Needs a name nobody supplies. */
  public NoUsableConstructor(String name) {}
}
