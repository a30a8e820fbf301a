package dev.vigil.core;

import org.slf4j.MDC;

/**
 * The virtual threads daemon code runs on (start, stop, health checks, loops, polls). Each carries
 * the daemon's name in the SLF4J MDC under {@value #MDC_KEY}, so every log line a daemon writes
 * from them, through any logger, says whose it is.
 */
final class DaemonThreads {
  /** The MDC key holding the daemon's name. */
  static final String MDC_KEY = "daemon";

  private DaemonThreads() {}

  /** An unstarted virtual thread named {@code TYPE-role} running {@code body}. */
  static Thread unstarted(DaemonType type, String role, Runnable body) {
    return Thread.ofVirtual()
        .name(type.name() + "-" + role)
        .unstarted(
            () -> {
              MDC.put(MDC_KEY, type.name());
              try {
                body.run();
              } finally {
                MDC.remove(MDC_KEY);
              }
            });
  }

  /** As {@link #unstarted}, started. */
  static Thread start(DaemonType type, String role, Runnable body) {
    Thread t = unstarted(type, role, body);
    t.start();
    return t;
  }
}
