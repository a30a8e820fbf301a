package dev.vigil.core;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;

/**
 * Runs the daemons of a {@link DaemonRegistry}: dependency-ordered parallel start, reverse-ordered
 * bounded stop, restart with backoff, health checks and heartbeats, lifecycle events and probes.
 *
 * <p>All supervisor state changes on one control thread; the request methods ({@code start},
 * {@code stop}, {@code restart}, {@code reset}, {@code shutdown}) only post a message and return a
 * future, which is completed on a virtual thread, never on the control thread, so callbacks
 * attached to it cannot stall the supervisor. The view methods read immutable state without locks
 * ({@link #info}, {@link #health}) or on the control thread between two transitions ({@link
 * #snapshot}, {@link #history}, the probes). Daemon code runs on virtual threads. Thread-safe.
 *
 * <p>Besides the registered daemons, every manager runs the built-ins of {@link BuiltinDaemons}.
 * After {@link #shutdown} completes the manager cannot be started again.
 */
public final class DaemonManager {
  private final Supervisor supervisor;
  private final AtomicReference<CompletableFuture<ShutdownReport>> shutdown =
      new AtomicReference<>();

  private DaemonManager(Builder b) {
    boolean ownsScheduler = b.scheduler == null;
    Scheduler scheduler =
        ownsScheduler
            ? new TimingWheelScheduler(b.name + "-timer", TimingWheelScheduler.DEFAULT_TICK)
            : b.scheduler;
    try {
      this.supervisor =
          new Supervisor(
              b.registry,
              b.clock,
              scheduler,
              ownsScheduler,
              b.random,
              b.startConcurrency,
              b.eventQueueCapacity,
              b.name);
    } catch (RuntimeException invalid) {
      if (scheduler instanceof TimingWheelScheduler own && ownsScheduler) {
        own.close(); // an invalid registry must not leave a timer thread behind
      }
      throw invalid;
    }
  }

  /** A builder for a manager of {@code registry}'s daemons. */
  public static Builder builder(DaemonRegistry registry) {
    return new Builder(registry);
  }

  // ---------------------------------------------------------------- requests

  /**
   * Starts {@code type}, its dependencies and the built-ins. Completes when {@code type} is RUNNING;
   * fails if it or a dependency is FAILED, or a stop or shutdown comes first.
   */
  public CompletableFuture<Void> start(DaemonType type) {
    supervisor.cell(type);
    return request((s, f) -> s.requestStart(List.of(type), f));
  }

  /**
   * Starts every daemon of {@code profile} with their dependencies. Completes when all are RUNNING;
   * otherwise fails, once each has settled, with the first failure and the others suppressed.
   */
  public CompletableFuture<Void> start(Profile profile) {
    profile.requireKnown(supervisor.registry()); // the control loop adds the dependencies
    return request((s, f) -> s.requestStart(profile.types(), f));
  }

  /** Starts these daemons with their dependencies, as {@link #start(Profile)} does. */
  public CompletableFuture<Void> start(Collection<DaemonType> types) {
    return start(new Profile("ad-hoc", Set.copyOf(types)));
  }

  /**
   * Stops {@code type} and, first, every daemon that depends on it, each within its stop timeout.
   * Completes when all of them have stopped (or were abandoned after overrunning). Daemons bound to
   * {@code type} are started again when it next becomes RUNNING.
   */
  public CompletableFuture<Void> stop(DaemonType type) {
    supervisor.cell(type);
    return request((s, f) -> s.requestStop(type, false, f));
  }

  /**
   * Stops {@code type} and its dependents as {@link #stop} does, then starts again those that were
   * wanted, with fresh restart budgets. Completes when they are RUNNING again; a daemon that was not
   * running is simply started.
   */
  public CompletableFuture<Void> restart(DaemonType type) {
    supervisor.cell(type);
    return request((s, f) -> s.requestStop(type, true, f));
  }

  /**
   * Clears FAILED: the daemon becomes STOPPED with a fresh restart budget, and can be started again.
   * A daemon that is not FAILED is left as it is.
   */
  public CompletableFuture<Void> reset(DaemonType type) {
    supervisor.cell(type);
    return request((s, f) -> s.requestReset(type, f));
  }

  /**
   * Stops every daemon in reverse dependency order, built-ins last, each within its stop timeout,
   * all within {@code timeout}: daemons still running at the deadline are abandoned and reported as
   * unstopped. Readiness turns false at once. Calling it again returns the same outcome.
   */
  public CompletableFuture<ShutdownReport> shutdown(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    CompletableFuture<ShutdownReport> done = new CompletableFuture<>();
    if (!shutdown.compareAndSet(null, done)) {
      return onVirtualThread(shutdown.get());
    }
    supervisor.post(() -> supervisor.requestShutdown(timeout, done));
    return onVirtualThread(done);
  }

  private CompletableFuture<Void> request(BiConsumer<Supervisor, CompletableFuture<Void>> message) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!supervisor.post(() -> message.accept(supervisor, done))) {
      done.completeExceptionally(new IllegalStateException("the manager is shut down"));
    }
    return onVirtualThread(done);
  }

  private static <T> CompletableFuture<T> onVirtualThread(CompletableFuture<T> internal) {
    CompletableFuture<T> external = new CompletableFuture<>();
    internal.whenComplete(
        (value, error) ->
            Thread.ofVirtual()
                .name("vigil-callback")
                .start(
                    () -> {
                      if (error == null) {
                        external.complete(value);
                      } else {
                        external.completeExceptionally(error);
                      }
                    }));
    return external;
  }

  // ---------------------------------------------------------------- views

  /** The last accepted health of {@code type}; never waits on a check. */
  public HealthCheckResult health(DaemonType type) {
    return supervisor.cell(type).info.health();
  }

  /** The last accepted health of every daemon; never waits on a check. */
  public Map<DaemonType, HealthCheckResult> allHealth() {
    return supervisor.allHealth();
  }

  /** The current view of {@code type}. */
  public DaemonInfo info(DaemonType type) {
    return supervisor.cell(type).info;
  }

  /** A consistent view of every daemon at one instant. */
  public ManagerSnapshot snapshot() {
    return supervisor.snapshot();
  }

  /** The last 50 state transitions of {@code type}, oldest first, each with its reason. */
  public List<Transition> history(DaemonType type) {
    return supervisor.history(type);
  }

  /**
   * Whether the node should be left running: fails when a critical daemon is FAILED or the
   * supervisor does not answer within 2 s. For a Kubernetes liveness probe or systemd's watchdog.
   */
  public ProbeResult livenessProbe() {
    return supervisor.liveness();
  }

  /**
   * Whether the node should get work: fails while shutting down, while a requested daemon has not
   * reached RUNNING for the first time, and while a critical daemon is not RUNNING (one that fails
   * its health checks past the threshold is restarted, so it is not RUNNING either).
   */
  public ProbeResult readinessProbe() {
    return supervisor.readiness();
  }

  /**
   * Adds a listener for lifecycle events; closing the handle removes it. See {@link
   * LifecycleListener} for the delivery guarantees.
   */
  public AutoCloseableListener addListener(LifecycleListener listener) {
    Runnable remove = supervisor.addListener(Objects.requireNonNull(listener, "listener"));
    return remove::run;
  }

  /** The event bus shared by this manager's daemons. */
  public EventBus events() {
    return supervisor.events();
  }

  /** Every daemon this manager runs, the built-ins included. */
  public DaemonRegistry registry() {
    return supervisor.registry();
  }

  /** A listener registration; {@link #close()} removes the listener. */
  @FunctionalInterface
  public interface AutoCloseableListener extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Builds a {@link DaemonManager}. Defaults: the system UTC clock, a real-time scheduler owned and
   * closed by the manager, start concurrency 64, event queues of 1,024 per subscriber.
   */
  public static final class Builder {
    private final DaemonRegistry registry;
    private Clock clock = Clock.systemUTC();
    private Scheduler scheduler;
    private RandomGenerator random = new SplittableRandom();
    private int startConcurrency = 64;
    private int eventQueueCapacity = 1024;
    private String name = "vigil";

    private Builder(DaemonRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The wall clock for timestamps. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /** The timer source; a scheduler given here is not closed by the manager. */
    public Builder scheduler(Scheduler value) {
      this.scheduler = Objects.requireNonNull(value, "scheduler");
      return this;
    }

    /** The randomness for backoff jitter; used on the control thread only. */
    public Builder random(RandomGenerator value) {
      this.random = Objects.requireNonNull(value, "random");
      return this;
    }

    /** How many daemons may be starting at once (at least 1). */
    public Builder startConcurrency(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("startConcurrency " + value + " must be at least 1");
      }
      this.startConcurrency = value;
      return this;
    }

    /** How many events may wait for one subscriber before further ones are dropped. */
    public Builder eventQueueCapacity(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("eventQueueCapacity " + value + " must be at least 1");
      }
      this.eventQueueCapacity = value;
      return this;
    }

    /** The prefix of the manager's thread names. */
    public Builder name(String value) {
      this.name = Objects.requireNonNull(value, "name");
      return this;
    }

    /**
     * Builds the manager; nothing starts until a start request.
     *
     * @throws InvalidSpecException with every problem of the registry, if it has any
     */
    public DaemonManager build() {
      return new DaemonManager(this);
    }
  }
}
