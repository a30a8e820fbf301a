package dev.vigil.core;

/**
 * Receives lifecycle events. Each listener gets its events one at a time, in the order they
 * happened, on its own virtual thread: a slow listener delays only itself, and one that throws is
 * logged and gets the next event as usual. It never runs on the manager's control thread.
 */
@FunctionalInterface
public interface LifecycleListener {
  /** Called once per event. */
  void onEvent(LifecycleEvent event);
}
