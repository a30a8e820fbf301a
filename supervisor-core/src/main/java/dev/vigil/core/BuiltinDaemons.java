package dev.vigil.core;

import java.util.List;

/**
 * The daemons every manager runs besides the registered ones: {@link #DAEMON_WATCHDOG} runs the
 * health checks and heartbeat watch, {@link #EVENT_ROUTER} reports on the event bus. They are
 * started with the first start request and stopped last at shutdown.
 */
public final class BuiltinDaemons {
  /** Runs every daemon's health check on its interval and watches heartbeats. */
  public static final DaemonType DAEMON_WATCHDOG = DaemonType.of("DAEMON_WATCHDOG");

  /** The in-process event bus; its health shows dropped events and failing subscribers. */
  public static final DaemonType EVENT_ROUTER = DaemonType.of("EVENT_ROUTER");

  /** The category both are listed under. */
  public static final String CATEGORY = "supervisor";

  private BuiltinDaemons() {}

  static List<DaemonSpec> specs(Supervisor supervisor, EventRouter router) {
    return List.of(
        DaemonSpec.builder(DAEMON_WATCHDOG, () -> new Watchdog(supervisor))
            .category(CATEGORY)
            .critical(true)
            .build(),
        DaemonSpec.builder(EVENT_ROUTER, () -> new RouterDaemon(router))
            .category(CATEGORY)
            .build());
  }

  /** Switches the supervisor's health checks on while it runs. */
  private record Watchdog(Supervisor supervisor) implements Daemon {
    @Override
    public void start(DaemonContext ctx) {
      supervisor.post(() -> supervisor.setHealthChecks(true));
    }

    @Override
    public void stop(DaemonContext ctx) {
      supervisor.post(() -> supervisor.setHealthChecks(false));
    }

    @Override
    public HealthCheckResult healthCheck() {
      return supervisor.watchdogHealth();
    }
  }

  /** Reports the event bus's health. */
  private record RouterDaemon(EventRouter router) implements Daemon {
    @Override
    public void start(DaemonContext ctx) {}

    @Override
    public HealthCheckResult healthCheck() {
      return router.health();
    }
  }
}
