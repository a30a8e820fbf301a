package dev.vigil.launcher.node;

import dev.vigil.core.LifecycleEvent;
import dev.vigil.core.LifecycleListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Writes each lifecycle event to the node's log, as supervisord does ("spawned", "exited"):
 * starts, scheduled restarts, stops and health changes at INFO, each line with the daemon's name in
 * the MDC ({@code daemon}) like the daemon's own lines. Crashes and a daemon given up on are not
 * repeated here: the supervisor logs those itself, with the stack trace.
 */
final class EventLog implements LifecycleListener {
  private static final Logger log = LoggerFactory.getLogger("dev.vigil.lifecycle");

  @Override
  public void onEvent(LifecycleEvent event) {
    MDC.put("daemon", event.type().name());
    try {
      String name = event.type().name();
      switch (event) {
        case LifecycleEvent.Starting s ->
            log.info("{} starting{}", name, s.attempt() > 1 ? " (attempt " + s.attempt() + ")" : "");
        case LifecycleEvent.Running r -> log.info("{} running", name);
        case LifecycleEvent.Failed f -> {} // logged by the supervisor with its stack trace
        case LifecycleEvent.BackoffScheduled b ->
            log.info("{} restarts in {} ms (attempt {})", name, b.delay().toMillis(), b.attempt());
        case LifecycleEvent.GaveUp g -> {} // logged by the supervisor at ERROR
        case LifecycleEvent.Stopping s -> log.info("{} stopping: {}", name, s.reason());
        case LifecycleEvent.Stopped s ->
            log.info("{} stopped{}", name, s.abandoned() ? " (abandoned after its stop timeout)" : "");
        case LifecycleEvent.HealthChanged h ->
            log.info(
                "{} health {} -> {}{}",
                name,
                h.previous().status().wireName(),
                h.current().status().wireName(),
                h.current().message().isEmpty() ? "" : ": " + h.current().message());
      }
    } finally {
      MDC.remove("daemon");
    }
  }
}
