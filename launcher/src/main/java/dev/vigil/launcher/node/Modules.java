package dev.vigil.launcher.node;

import dev.vigil.sandbox.SandboxHealthModule;
import java.util.List;

/** The daemon modules compiled into this launcher, in the order their daemons are listed. */
final class Modules {
  private Modules() {}

  /** Each module's entry, adapted to {@link DaemonModule}. */
  static List<DaemonModule> all() {
    return List.of(Modules::sandboxHealth);
  }

  private static DaemonModule.Built sandboxHealth(
      com.typesafe.config.Config config, DaemonModule.Context context) {
    SandboxHealthModule module =
        SandboxHealthModule.create(config, context.env(), context.workingDir());
    return new DaemonModule.Built(module.specs(), List.of(module.metrics()));
  }
}
