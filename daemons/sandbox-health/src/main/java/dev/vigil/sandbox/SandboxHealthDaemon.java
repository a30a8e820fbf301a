package dev.vigil.sandbox;

import dev.vigil.core.Daemon;
import dev.vigil.core.DaemonContext;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.HealthStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * The {@code SANDBOX_HEALTH} daemon: runs the declared probes on their schedules and reports their
 * roll-up as its health. One instance per attempt; the results live in the module's {@link
 * ProbeBook}, so a restart loses no history.
 *
 * <p>Its health is the roll-up. Its spec tells the supervisor not to restart it when unhealthy
 * ({@link dev.vigil.core.DaemonSpec.Builder#restartWhenUnhealthy}): restarting the prober cannot
 * mend a sandbox, and would hide the results from {@code /status} when they matter most.
 */
final class SandboxHealthDaemon implements Daemon {
  private final SandboxHealthModule module;
  private final Random random;
  private volatile ProbeLoop loop;
  private volatile Prober prober;

  SandboxHealthDaemon(SandboxHealthModule module, Random random) {
    this.module = module;
    this.random = random;
  }

  @Override
  public void start(DaemonContext ctx) {
    Prober p = module.prober(ctx.clock(), ctx.scheduler()::nanoTime);
    prober = p;
    ProbeRunner runner = new ProbeRunner(module.book(), p, ctx.clock(), ctx.logger(), ctx::startThread);
    ProbeLoop l = new ProbeLoop(runner, module.book(), ctx.scheduler(), random, ctx.logger());
    loop = l;
    l.start();
  }

  @Override
  public void stop(DaemonContext ctx) {
    ProbeLoop l = loop;
    if (l != null) {
      l.stop();
    }
    Prober p = prober;
    if (p != null) {
      p.close(); // its kept-alive connections; runs still ending keep none
    }
  }

  @Override
  public HealthCheckResult healthCheck() {
    Diagnosis d = module.book().diagnosis(true);
    Map<String, Object> details = new LinkedHashMap<>(d.toJson());
    return HealthCheckResult.of(d.status(), message(d), details);
  }

  /** "unhealthy: api.health unhealthy (connection_error), mlflow.tcp unknown" or "5 probes healthy". */
  static String message(Diagnosis d) {
    List<Diagnosis.ProbeLine> bad =
        d.probes().stream().filter(p -> p.status() != HealthStatus.HEALTHY).toList();
    if (bad.isEmpty()) {
      return d.probes().size() + " probe(s) healthy";
    }
    return d.status().wireName() + ": "
        + bad.stream()
            .map(p -> p.id() + " " + p.status().wireName() + (p.category() == null ? "" : " (" + p.category() + ")"))
            .collect(Collectors.joining(", "));
  }
}
