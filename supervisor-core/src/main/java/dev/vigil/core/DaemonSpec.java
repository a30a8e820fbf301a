package dev.vigil.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The one declaration of a daemon: its identity, category, how to make an instance, what it depends
 * on, how it is restarted, timed out and health-checked. Start order, categories and profiles are
 * all derived from specs. Immutable; made with {@link #builder(DaemonType, Supplier)}.
 *
 * <p>Defaults: category {@code general}; restart {@link RestartPolicy#defaults()}; readiness {@link
 * ReadinessMode#ON_RETURN}; start timeout 60 s; stop timeout 30 s; health interval 30 s, timeout
 * 5 s, failure threshold 3, success threshold 1; no watchdog timeout; not critical.
 *
 * <p>Values are checked when the spec is built, and every problem is kept: {@link #problems()}
 * lists them, and {@link DaemonRegistry#validate()} reports them with the registry's own.
 */
public final class DaemonSpec {
  private static final Pattern CATEGORY = Pattern.compile("[a-z][a-z0-9-]*");
  // shared by every spec that keeps the default: ten thousand specs need not hold 40,000 copies
  private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(30);
  private static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(5);

  private final DaemonType type;
  private final String category;
  private final Supplier<? extends Daemon> factory;
  private final Set<DaemonType> dependencies;
  private final Set<DaemonType> bindsTo;
  private final RestartPolicy restartPolicy;
  private final ReadinessMode readiness;
  private final Duration startTimeout;
  private final Duration stopTimeout;
  private final Duration healthInterval;
  private final Duration healthTimeout;
  private final int failureThreshold;
  private final int successThreshold;
  private final Optional<Duration> watchdogTimeout;
  private final boolean critical;
  private final boolean restartsWhenUnhealthy;
  private final Optional<Object> config;
  private final List<String> problems;

  private DaemonSpec(Builder b) {
    this.type = b.type;
    this.category = b.category;
    this.factory = b.factory;
    LinkedHashSet<DaemonType> deps = new LinkedHashSet<>(b.dependencies);
    deps.addAll(b.bindsTo);
    this.dependencies = Set.copyOf(deps);
    this.bindsTo = Set.copyOf(b.bindsTo);
    this.restartPolicy = b.restartPolicy;
    this.readiness = b.readiness;
    this.startTimeout = b.startTimeout;
    this.stopTimeout = b.stopTimeout;
    this.healthInterval = b.healthInterval;
    this.healthTimeout = b.healthTimeout;
    this.failureThreshold = b.failureThreshold;
    this.successThreshold = b.successThreshold;
    this.watchdogTimeout = Optional.ofNullable(b.watchdogTimeout);
    this.critical = b.critical;
    this.restartsWhenUnhealthy = b.restartsWhenUnhealthy;
    this.config = Optional.ofNullable(b.config);
    this.problems = List.copyOf(checkValues());
  }

  /** Starts a spec for {@code type} whose instances {@code factory} makes, one per attempt. */
  public static Builder builder(DaemonType type, Supplier<? extends Daemon> factory) {
    return new Builder(type, factory);
  }

  /**
   * A builder holding every value of this spec, to derive a changed copy (a composition root
   * applying operator overrides to a module's spec, say). The factory and type stay.
   */
  public Builder toBuilder() {
    Builder b = new Builder(type, factory);
    b.category = category;
    b.dependencies.addAll(dependencies);
    b.dependencies.removeAll(bindsTo);
    b.bindsTo.addAll(bindsTo);
    b.restartPolicy = restartPolicy;
    b.readiness = readiness;
    b.startTimeout = startTimeout;
    b.stopTimeout = stopTimeout;
    b.healthInterval = healthInterval;
    b.healthTimeout = healthTimeout;
    b.failureThreshold = failureThreshold;
    b.successThreshold = successThreshold;
    b.watchdogTimeout = watchdogTimeout.orElse(null);
    b.critical = critical;
    b.restartsWhenUnhealthy = restartsWhenUnhealthy;
    b.config = config.orElse(null);
    return b;
  }

  private List<String> checkValues() {
    List<String> found = new ArrayList<>();
    String at = type + ": ";
    if (!CATEGORY.matcher(category).matches()) {
      found.add(at + "category '" + category + "' is not lower-kebab-case (e.g. telemetry)");
    }
    if (dependencies.contains(type)) {
      found.add(at + "depends on itself");
    }
    positive(found, at, "startTimeout", startTimeout);
    positive(found, at, "stopTimeout", stopTimeout);
    positive(found, at, "healthInterval", healthInterval);
    positive(found, at, "healthTimeout", healthTimeout);
    watchdogTimeout.ifPresent(t -> positive(found, at, "watchdogTimeout", t));
    if (healthTimeout.compareTo(healthInterval) > 0) {
      found.add(
          at + "healthTimeout " + healthTimeout + " is longer than healthInterval " + healthInterval);
    }
    if (failureThreshold < 1) {
      found.add(at + "failureThreshold " + failureThreshold + " must be at least 1");
    }
    if (successThreshold < 1) {
      found.add(at + "successThreshold " + successThreshold + " must be at least 1");
    }
    return found;
  }

  private static void positive(List<String> found, String at, String key, Duration value) {
    if (value.isZero() || value.isNegative()) {
      found.add(at + key + " " + value + " must be positive");
    }
  }

  /** The daemon's identity. */
  public DaemonType type() {
    return type;
  }

  /** The category it is listed under, lower-kebab-case. */
  public String category() {
    return category;
  }

  /** Makes a fresh instance; called once per attempt. */
  public Daemon newInstance() {
    return Objects.requireNonNull(factory.get(), () -> "factory of " + type + " returned null");
  }

  /** The daemons that must be RUNNING before this one starts (includes {@link #bindsTo()}). */
  public Set<DaemonType> dependencies() {
    return dependencies;
  }

  /** The dependencies whose stop or restart also stops this daemon until they are ready again. */
  public Set<DaemonType> bindsTo() {
    return bindsTo;
  }

  /** How this daemon is restarted. */
  public RestartPolicy restartPolicy() {
    return restartPolicy;
  }

  /** When a starting instance counts as ready. */
  public ReadinessMode readiness() {
    return readiness;
  }

  /** How long start plus readiness may take before the attempt counts as failed. */
  public Duration startTimeout() {
    return startTimeout;
  }

  /** How long {@link Daemon#stop} may take before the instance is abandoned. */
  public Duration stopTimeout() {
    return stopTimeout;
  }

  /** How often the watchdog runs the health check. */
  public Duration healthInterval() {
    return healthInterval;
  }

  /** How long one health check may take before it counts as unhealthy. */
  public Duration healthTimeout() {
    return healthTimeout;
  }

  /** Consecutive unhealthy checks that make the daemon unhealthy (and restart it). */
  public int failureThreshold() {
    return failureThreshold;
  }

  /** Consecutive good checks that make an unhealthy daemon healthy again. */
  public int successThreshold() {
    return successThreshold;
  }

  /** The longest gap allowed between heartbeats while RUNNING; empty means no watchdog. */
  public Optional<Duration> watchdogTimeout() {
    return watchdogTimeout;
  }

  /** A critical daemon that is FAILED makes the node not live, and one that is down not ready. */
  public boolean critical() {
    return critical;
  }

  /**
   * Whether failing its health checks (unhealthy past the failure threshold) restarts the daemon,
   * as a failed liveness probe does; true unless the builder said otherwise.
   */
  public boolean restartsWhenUnhealthy() {
    return restartsWhenUnhealthy;
  }

  /** The typed configuration handed to each instance. */
  public Optional<Object> config() {
    return config;
  }

  /** Every invalid value of this spec, each naming the daemon, the key, the value and why. */
  public List<String> problems() {
    return problems;
  }

  @Override
  public String toString() {
    return "DaemonSpec{" + type + ", category=" + category + ", dependencies=" + dependencies + "}";
  }

  /** Builds a {@link DaemonSpec}. Not thread-safe. */
  public static final class Builder {
    private final DaemonType type;
    private final Supplier<? extends Daemon> factory;
    private String category = "general";
    private final Set<DaemonType> dependencies = new LinkedHashSet<>();
    private final Set<DaemonType> bindsTo = new LinkedHashSet<>();
    private RestartPolicy restartPolicy = RestartPolicy.defaults();
    private ReadinessMode readiness = ReadinessMode.ON_RETURN;
    private Duration startTimeout = DEFAULT_START_TIMEOUT;
    private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
    private Duration healthInterval = DEFAULT_HEALTH_INTERVAL;
    private Duration healthTimeout = DEFAULT_HEALTH_TIMEOUT;
    private int failureThreshold = 3;
    private int successThreshold = 1;
    private Duration watchdogTimeout;
    private boolean critical;
    private boolean restartsWhenUnhealthy = true;
    private Object config;

    private Builder(DaemonType type, Supplier<? extends Daemon> factory) {
      this.type = Objects.requireNonNull(type, "type");
      this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** The category it is listed under (lower-kebab-case). */
    public Builder category(String value) {
      this.category = Objects.requireNonNull(value, "category");
      return this;
    }

    /** Adds daemons that must be RUNNING before this one starts. */
    public Builder dependsOn(DaemonType... types) {
      for (DaemonType t : types) {
        dependencies.add(Objects.requireNonNull(t, "dependency"));
      }
      return this;
    }

    /**
     * Binds this daemon to {@code types}: they become dependencies, and when one of them stops or
     * restarts this daemon is stopped, then started again once it is ready (systemd's BindsTo=).
     */
    public Builder bindsTo(DaemonType... types) {
      for (DaemonType t : types) {
        bindsTo.add(Objects.requireNonNull(t, "bindsTo"));
      }
      return this;
    }

    /** How the daemon is restarted. */
    public Builder restartPolicy(RestartPolicy value) {
      this.restartPolicy = Objects.requireNonNull(value, "restartPolicy");
      return this;
    }

    /** When a starting instance counts as ready. */
    public Builder readiness(ReadinessMode value) {
      this.readiness = Objects.requireNonNull(value, "readiness");
      return this;
    }

    /** How long start plus readiness may take. */
    public Builder startTimeout(Duration value) {
      this.startTimeout = Objects.requireNonNull(value, "startTimeout");
      return this;
    }

    /** How long stop may take before the instance is abandoned. */
    public Builder stopTimeout(Duration value) {
      this.stopTimeout = Objects.requireNonNull(value, "stopTimeout");
      return this;
    }

    /** How often and how long the health check runs. */
    public Builder health(Duration interval, Duration timeout) {
      this.healthInterval = Objects.requireNonNull(interval, "healthInterval");
      this.healthTimeout = Objects.requireNonNull(timeout, "healthTimeout");
      return this;
    }

    /** Consecutive results needed to turn unhealthy ({@code failures}) and back ({@code successes}). */
    public Builder healthThresholds(int failures, int successes) {
      this.failureThreshold = failures;
      this.successThreshold = successes;
      return this;
    }

    /** Requires a heartbeat at least every {@code value} while RUNNING. */
    public Builder watchdogTimeout(Duration value) {
      this.watchdogTimeout = Objects.requireNonNull(value, "watchdogTimeout");
      return this;
    }

    /** Marks the daemon critical for the node's liveness and readiness. */
    public Builder critical(boolean value) {
      this.critical = value;
      return this;
    }

    /**
     * Whether an unhealthy daemon is restarted (the default). A daemon whose health reports on
     * something outside itself (a prober whose targets are down, say) sets false: it stays
     * RUNNING and unhealthy, and a restart cannot mend what it reports on.
     */
    public Builder restartWhenUnhealthy(boolean value) {
      this.restartsWhenUnhealthy = value;
      return this;
    }

    /** The typed configuration handed to each instance through {@link DaemonContext#config}. */
    public Builder config(Object value) {
      this.config = Objects.requireNonNull(value, "config");
      return this;
    }

    /** Builds the spec; invalid values are kept in {@link DaemonSpec#problems()}. */
    public DaemonSpec build() {
      return new DaemonSpec(this);
    }
  }
}
