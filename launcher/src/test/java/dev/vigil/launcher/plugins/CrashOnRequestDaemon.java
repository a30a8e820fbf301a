package dev.vigil.launcher.plugins;

import com.typesafe.config.Config;
import dev.vigil.core.DaemonContext;
import dev.vigil.core.LoopDaemon;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A plug-in daemon for the end-to-end tests, loaded by class name from a jar of its own: it runs
 * until the file its settings name ({@code trigger-file}) appears, then deletes it and crashes,
 * so a test can make a running node's daemon fail on request.
 */
public final class CrashOnRequestDaemon extends LoopDaemon {
  private final Path trigger;

  /** Reads {@code trigger-file} from the block's {@code settings}. */
  public CrashOnRequestDaemon(Config settings) {
    this.trigger = Path.of(settings.getString("trigger-file"));
  }

  @Override
  protected void run(DaemonContext ctx) throws Exception {
    while (!ctx.isStopping()) {
      if (Files.deleteIfExists(trigger)) {
        throw new IllegalStateException("crash requested through " + trigger);
      }
      // the test writes the file from another process: nothing to wait on but time
      Thread.sleep(20);
    }
  }
}
