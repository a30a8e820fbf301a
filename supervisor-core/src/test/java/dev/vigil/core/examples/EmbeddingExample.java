package dev.vigil.core.examples;

import dev.vigil.core.DaemonContext;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.IdleDaemon;
import dev.vigil.core.PollingDaemon;
import dev.vigil.core.ShutdownReport;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs a poller that depends on a store, prints every daemon's state, then shuts down. */
public final class EmbeddingExample {
  static final DaemonType STORE = DaemonType.of("STORE");
  static final DaemonType POLLER = DaemonType.of("POLLER");

  /** Holds something open, such as a connection pool: RUNNING once onStart returns. */
  static final class Store extends IdleDaemon {
    @Override
    protected void onStart(DaemonContext ctx) {
      System.out.println("store open");
    }

    @Override
    protected void onStop(DaemonContext ctx) {
      System.out.println("store closed");
    }
  }

  /** Polls every 200 ms; its typed configuration is a latch it counts down. */
  static final class Poller extends PollingDaemon {
    Poller() {
      super(Duration.ofMillis(200));
    }

    @Override
    protected void poll(DaemonContext ctx) {
      ctx.config(CountDownLatch.class).countDown();
    }
  }

  public static void main(String[] args) throws Exception {
    CountDownLatch polled = new CountDownLatch(1);
    DaemonRegistry registry =
        DaemonRegistry.of(
            DaemonSpec.builder(STORE, Store::new).critical(true).build(),
            DaemonSpec.builder(POLLER, Poller::new).dependsOn(STORE).config(polled).build());
    DaemonManager manager = DaemonManager.builder(registry).build();
    manager.start(POLLER).get(10, TimeUnit.SECONDS); // STORE first, then POLLER
    polled.await(10, TimeUnit.SECONDS);
    manager.snapshot().daemons().forEach((type, d) -> System.out.println(type + " " + d.state()));
    System.out.println("ready: " + manager.readinessProbe().ok());
    ShutdownReport report = manager.shutdown(Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
    System.out.println("shutdown clean: " + report.clean() + ", stopped " + report.stopped());
  }
}
