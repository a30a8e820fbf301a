package dev.vigil.rounds.store;

import dev.vigil.core.DaemonContext;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.IdleDaemon;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.StoreException;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The {@code SIGNATURE_STORE} daemon: opens the store (running its migrations) when it starts and
 * closes it when it stops; the poller, the OTLP receiver and the diagnosis daemons depend on it and
 * reach the open store through the {@link Handle}. A store that cannot be opened fails the start,
 * with the reason, and the restart policy decides what follows.
 */
public final class SignatureStoreDaemon extends IdleDaemon {
  private final Handle handle;

  /** A daemon that opens and closes {@code handle}'s store. */
  public SignatureStoreDaemon(Handle handle) {
    this.handle = Objects.requireNonNull(handle, "handle");
  }

  @Override
  protected void onStart(DaemonContext ctx) {
    handle.open();
    ctx.logger().info("signature store open: {}", handle.describe());
  }

  @Override
  protected void onStop(DaemonContext ctx) {
    handle.close();
  }

  /** Healthy while the store answers a read. */
  @Override
  public HealthCheckResult healthCheck() {
    handle.get().watermark(""); // throws, counting as unhealthy, if the file became unreadable
    return HealthCheckResult.ok(handle.describe());
  }

  /**
   * The store that is open right now, shared by the module's daemons. Opened and closed by the
   * store daemon; {@link #get} between a close and the next open fails rather than writing to a
   * closed store. Thread-safe.
   */
  public static final class Handle implements Supplier<SignatureStore> {
    private final Supplier<SignatureStore> opener;
    private final String description;
    private volatile SignatureStore current;

    /**
     * @param opener opens the store (called once per open)
     * @param description what to call it in logs and errors (e.g. its path)
     */
    public Handle(Supplier<SignatureStore> opener, String description) {
      this.opener = Objects.requireNonNull(opener, "opener");
      this.description = Objects.requireNonNull(description, "description");
    }

    /** Opens the store unless it is open. */
    public synchronized void open() {
      if (current == null) {
        current = opener.get();
      }
    }

    /** Closes the store if it is open; later calls to {@link #get} fail until it is opened again. */
    public synchronized void close() {
      SignatureStore s = current;
      current = null;
      if (s != null) {
        s.close();
      }
    }

    /**
     * The open store.
     *
     * @throws StoreException if it is not open (the SIGNATURE_STORE daemon is not running)
     */
    @Override
    public SignatureStore get() {
      SignatureStore s = current;
      if (s == null) {
        throw new StoreException(
            "the signature store " + description + " is not open (SIGNATURE_STORE is not running)");
      }
      return s;
    }

    /** What the store is called in logs. */
    public String describe() {
      return description;
    }
  }
}
