package dev.vigil.rounds;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.EventBus;
import dev.vigil.core.PollingDaemon.PollSchedule;
import dev.vigil.core.RestartPolicy;
import dev.vigil.rounds.diagnosis.ConfigChecks;
import dev.vigil.rounds.poller.PollCycle;
import dev.vigil.rounds.poller.PushOnlyPoller;
import dev.vigil.rounds.poller.TelemetryPoller;
import dev.vigil.rounds.store.SignatureStoreDaemon;
import dev.vigil.rounds.store.SqliteSignatureStore;
import io.prometheus.metrics.model.registry.MultiCollector;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The rounds module as the launcher sees it: built from the merged configuration, it validates
 * every rounds setting and gives the node its daemons ({@link #specs()}), its metrics ({@link
 * #metrics()}), the ingest port for the OTLP receiver ({@link #eventSink}) and what the CLI needs
 * ({@link #openStoreReadOnly()}, {@link #scanOnce}).
 *
 * <p>Daemons:
 *
 * <ul>
 *   <li>{@link #SIGNATURE_STORE}: opens the store (running migrations) and closes it; critical.
 *   <li>{@link #TELEMETRY_POLLER}: bound to the store; polls the configured backend, or idles with
 *       a healthy status saying so when the backend is {@code otlp} (pushed events are not
 *       polled: the receiver feeds {@link #eventSink} directly).
 *   <li>{@link dev.vigil.rounds.investigation.DiagnosisDaemons#DIAGNOSIS}: bound to the store;
 *       investigates due signatures with the configured diagnosis backend under the store's budget
 *       ledger and notifies ({@link #diagnosis()}).
 * </ul>
 *
 * <p>Telemetry backends are plugged in by name: {@code sources} maps a backend name to a factory
 * that reads its own settings from the whole configuration (throwing a {@link ConfigException}
 * naming the key on a bad value). Names are lower case; {@code otlp} is reserved.
 */
public final class RoundsModule implements AutoCloseable {
  /** Holds the signature store open for the module's daemons. */
  public static final DaemonType SIGNATURE_STORE = DaemonType.of("SIGNATURE_STORE");
  /** Polls the telemetry backend into the signature store. */
  public static final DaemonType TELEMETRY_POLLER = DaemonType.of("TELEMETRY_POLLER");
  /** The backend whose events are pushed, never polled. */
  public static final String OTLP = "otlp";

  private static final String ROUNDS = "vigil.rounds.";
  private static final String POLLER = "vigil.daemons.TELEMETRY_POLLER.";

  private final Settings settings;
  private final TelemetrySource source; // null for otlp
  private final Clock clock;
  private final RoundsMetrics metrics = new RoundsMetrics();
  private final SignatureStoreDaemon.Handle store;
  private final IngestPipeline pipeline;
  private final dev.vigil.rounds.investigation.DiagnosisDaemons diagnosis;
  private volatile EventBus bus;

  /**
   * The rounds settings, validated.
   *
   * @param backend the telemetry backend's name
   * @param sqlitePath the SQLite store's file
   * @param storeOptions how the SQLite store is opened
   * @param seenRetention how long counted identities are kept at least
   * @param investigationThreshold occurrences that hand a signature to investigation
   * @param pollInterval how often the poller polls
   * @param cycle how each poll reads
   */
  public record Settings(
      String backend,
      Path sqlitePath,
      SqliteSignatureStore.Options storeOptions,
      Duration seenRetention,
      int investigationThreshold,
      Duration pollInterval,
      PollCycle.Settings cycle) {}

  private RoundsModule(
      Settings settings, TelemetrySource source, Fingerprinting fingerprinting, Clock clock,
      Config config, Path workingDir, dev.vigil.rounds.otlp.RecentTelemetry recent) {
    this.settings = settings;
    this.source = source;
    this.clock = clock;
    Path path = settings.sqlitePath();
    this.store =
        new SignatureStoreDaemon.Handle(
            () -> SqliteSignatureStore.open(path, settings.storeOptions()), path.toString());
    this.pipeline =
        new IngestPipeline(
            store,
            fingerprinting,
            new IngestPipeline.Settings(
                settings.investigationThreshold(),
                settings.seenRetention(),
                settings.cycle().overlap(),
                Duration.ofMinutes(10)),
            clock,
            metrics);
    String stateDir = config.hasPath("vigil.state-dir") ? config.getString("vigil.state-dir") : ".vigil";
    this.diagnosis =
        dev.vigil.rounds.investigation.DiagnosisDaemons.create(
            config, path, settings.storeOptions(), store, Path.of(stateDir), workingDir, recent, clock,
            System.out);
  }

  /**
   * The pollable backends compiled into this module, by name ({@code jaeger}, {@code signoz},
   * ...): each factory reads its own settings from the whole configuration. {@code otlp} is not
   * among them: it is pushed, not polled.
   */
  public static Map<String, Function<Config, TelemetrySource>> builtInSources() {
    Map<String, Function<Config, TelemetrySource>> sources = new java.util.LinkedHashMap<>();
    for (String backend : dev.vigil.rounds.telemetry.TelemetrySources.BACKENDS) {
      sources.put(backend, config -> dev.vigil.rounds.telemetry.TelemetrySources.create(backend, config));
    }
    return Map.copyOf(sources);
  }

  /** Builds the module with the {@link #builtInSources()}, the system clock and {@code vigil.state-dir}. */
  public static RoundsModule create(Config config) {
    return create(config, builtInSources());
  }

  /**
   * Builds the module with the {@link #builtInSources()} and the system clock; the store's default
   * file is in {@code stateDir} (the node's, absolute) rather than in {@code vigil.state-dir}.
   */
  public static RoundsModule create(Config config, Path stateDir) {
    return create(
        config.withValue(
            "vigil.state-dir", com.typesafe.config.ConfigValueFactory.fromAnyRef(stateDir.toString())),
        builtInSources());
  }

  /**
   * As {@link #create(Config, Path)}, with the working directory (the default codebase path of the
   * diagnosis) and the OTLP receiver's recent telemetry (the traces and logs investigations are
   * given; null without a receiver).
   */
  public static RoundsModule create(
      Config config, Path stateDir, Path workingDir, dev.vigil.rounds.otlp.RecentTelemetry recent) {
    Config withState =
        config.withValue(
            "vigil.state-dir", com.typesafe.config.ConfigValueFactory.fromAnyRef(stateDir.toString()));
    return create(withState, builtInSources(), Clock.systemUTC(), workingDir, recent);
  }

  /**
   * Validates the rounds settings in {@code config} (the whole merged tree) and builds the module.
   *
   * @param sources the pollable backends by name
   * @throws ConfigException naming every bad key, its value and why ({@link
   *     ConfigException.ValidationFailed} when there are several)
   */
  public static RoundsModule create(
      Config config, Map<String, Function<Config, TelemetrySource>> sources) {
    return create(config, sources, Clock.systemUTC());
  }

  /** As {@link #create(Config, Map)}, with the wall clock the pipeline and the scan read. */
  public static RoundsModule create(
      Config config, Map<String, Function<Config, TelemetrySource>> sources, Clock clock) {
    return create(config, sources, clock, Path.of("").toAbsolutePath(), null);
  }

  private static RoundsModule create(
      Config config, Map<String, Function<Config, TelemetrySource>> sources, Clock clock,
      Path workingDir, dev.vigil.rounds.otlp.RecentTelemetry recent) {
    Objects.requireNonNull(sources, "sources");
    // every section is checked, so that one run names every bad key: the telemetry settings, the
    // backend's own and the diagnosis half (built by the constructor, checked here when the rest
    // already failed)
    ConfigChecks checks = new ConfigChecks(config);
    Settings settings = checks.attempt(() -> settings(config, sources.keySet()));
    TelemetrySource source = settings == null || settings.backend().equals(OTLP)
        ? null
        : checks.attempt(() -> sources.get(settings.backend()).apply(config));
    try {
      if (settings == null || (source == null && !settings.backend().equals(OTLP))) {
        String stateDir = config.hasPath("vigil.state-dir") ? config.getString("vigil.state-dir") : ".vigil";
        checks.attempt(() -> dev.vigil.rounds.investigation.DiagnosisDaemons.create(
            config, Path.of(stateDir, "rounds.db"), new SqliteSignatureStore.Options(Duration.ofSeconds(5), "full", 1),
            () -> {
              throw new IllegalStateException("only checked");
            },
            Path.of(stateDir), workingDir, recent, clock, System.out));
      }
      checks.throwIfAny();
      return new RoundsModule(settings, source, fingerprinting(), clock, config, workingDir, recent);
    } catch (RuntimeException e) {
      closeQuietly(source);
      throw e;
    }
  }

  private static void closeQuietly(TelemetrySource source) {
    if (source instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        // the module was refused: its configuration error is what matters
      }
    }
  }

  /** The fingerprint algorithm ({@code dev.vigil.rounds.fingerprint}) behind the pipeline's port. */
  static Fingerprinting fingerprinting() {
    dev.vigil.rounds.fingerprint.Fingerprinter fingerprinter = new dev.vigil.rounds.fingerprint.Fingerprinter();
    return (service, errorType, message, stackTrace) -> {
      dev.vigil.rounds.fingerprint.Fingerprint f =
          fingerprinter.fingerprint(service, errorType, message, stackTrace);
      return new Fingerprinting.Result(f.hash(), f.version(), f.template(), f.frames());
    };
  }

  /** Reads and checks the settings, reporting every problem at once. */
  static Settings settings(Config config, Set<String> sourceNames) {
    Problems p = new Problems(config);
    Set<String> known = new TreeSet<>(sourceNames);
    known.add(OTLP);
    String backend = p.string(ROUNDS + "telemetry.backend").strip().toLowerCase(Locale.ROOT);
    if (!known.contains(backend)) {
      p.bad(ROUNDS + "telemetry.backend", "'" + backend + "' is not a known telemetry backend " + known);
    }
    String storeBackend = p.string(ROUNDS + "store.backend").strip().toLowerCase(Locale.ROOT);
    if (!storeBackend.equals("sqlite")) {
      p.bad(ROUNDS + "store.backend", "'" + storeBackend + "' is not a known store backend [sqlite]");
    }
    String pathText = p.string(ROUNDS + "store.sqlite.path").strip();
    Path sqlitePath = Path.of("rounds.db");
    try {
      if (pathText.isEmpty()) {
        String stateDir = config.hasPath("vigil.state-dir") ? config.getString("vigil.state-dir") : ".vigil";
        sqlitePath = Path.of(stateDir).resolve("rounds.db");
      } else {
        sqlitePath = Path.of(pathText);
      }
    } catch (InvalidPathException | ConfigException e) {
      p.bad(ROUNDS + "store.sqlite.path", "'" + pathText + "' is not a file path: " + e.getMessage());
    }
    int busyMs = p.intIn(ROUNDS + "store.sqlite.busy-timeout-ms", 0, 600_000);
    String synchronous = p.string(ROUNDS + "store.sqlite.synchronous").strip().toLowerCase(Locale.ROOT);
    if (!synchronous.equals("full") && !synchronous.equals("normal")) {
      p.bad(ROUNDS + "store.sqlite.synchronous", "'" + synchronous + "' must be full or normal");
      synchronous = "full";
    }
    int ring = p.intIn(ROUNDS + "store.samples-per-signature", 1, 1_000);
    int retentionHours = p.intIn(ROUNDS + "store.seen-retention-hours", 1, 24 * 365);
    int threshold = p.intIn(ROUNDS + "investigation-threshold", 1, 1_000_000);
    int interval = p.intIn(POLLER + "poll-interval-seconds", 1, 86_400);
    int lookback = p.intIn(POLLER + "error-lookback-minutes", 1, 7 * 24 * 60);
    int batch = p.intIn(POLLER + "batch-size", 1, 10_000);
    int maxEvents = p.intIn(POLLER + "max-events-per-poll", 1, 10_000_000);
    int maxReads = p.intIn(POLLER + "max-reads-per-cycle", 1, 1_000);
    int overlap = p.intIn(POLLER + "overlap-seconds", 0, 86_400);
    int delay = p.intIn(POLLER + "ingest-delay-seconds", 0, 86_400);
    // the pull sources filter by service too (in their queries where the API can); the cycle
    // filters again so that events of other services never count, whatever a source returns
    String filterText = p.string(ROUNDS + "telemetry.service-filter");
    Set<String> filter = new LinkedHashSet<>();
    Arrays.stream(filterText.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(filter::add);
    p.throwIfAny();
    return new Settings(
        backend,
        sqlitePath,
        new SqliteSignatureStore.Options(Duration.ofMillis(busyMs), synchronous, ring),
        Duration.ofHours(retentionHours),
        threshold,
        Duration.ofSeconds(interval),
        new PollCycle.Settings(
            Duration.ofMinutes(lookback),
            Duration.ofSeconds(overlap),
            Duration.ofSeconds(delay),
            batch,
            Math.max(maxEvents, batch),
            maxReads,
            filter));
  }

  /** The validated settings. */
  public Settings settings() {
    return settings;
  }

  /**
   * The daemons of the module: {@link #SIGNATURE_STORE}, {@link #TELEMETRY_POLLER} and {@link
   * dev.vigil.rounds.investigation.DiagnosisDaemons#DIAGNOSIS}.
   */
  public List<DaemonSpec> specs() {
    DaemonSpec storeSpec =
        DaemonSpec.builder(SIGNATURE_STORE, () -> new SignatureStoreDaemon(store))
            .category("storage")
            .critical(true)
            .build();
    Supplier<dev.vigil.core.Daemon> poller;
    if (source == null) {
      poller = PushOnlyPoller::new;
    } else {
      PollCycle cycle = new PollCycle(source, pipeline, store, settings.cycle(), clock);
      Duration interval = settings.pollInterval();
      poller =
          () ->
              new TelemetryPoller(
                  PollSchedule.every(interval),
                  cycle,
                  metrics,
                  TelemetryPoller.Health.forInterval(interval));
    }
    DaemonSpec pollerSpec =
        DaemonSpec.builder(TELEMETRY_POLLER, poller)
            .category("telemetry")
            .bindsTo(SIGNATURE_STORE)
            // a failing backend degrades the poller rather than crashing it; the rare restart
            // (a stuck cycle) must never use up a budget and leave polling off for good
            .restartPolicy(
                RestartPolicy.defaults()
                    .withUnlimitedAttempts()
                    .withBackoff(Duration.ofSeconds(1), Duration.ofMinutes(5), 2.0))
            .build();
    return List.of(storeSpec, pollerSpec, diagnosis.spec(SIGNATURE_STORE));
  }

  /** The diagnosis half: the {@code DIAGNOSIS} daemon's metrics and the CLI's one-shot runs. */
  public dev.vigil.rounds.investigation.DiagnosisDaemons diagnosis() {
    return diagnosis;
  }

  /**
   * Signature management on the store file, as the CLI does it: whether or not a node runs next
   * to it (SQLite serialises the writers).
   *
   * @param notifyTo where the stdout notifier of a change prints (the CLI's stderr)
   */
  public dev.vigil.rounds.investigation.Management management(java.io.PrintStream notifyTo) {
    return new dev.vigil.rounds.investigation.Management(
        diagnosis, this::openStoreReadOnly, () -> {}, notifyTo, clock);
  }

  /**
   * Signature management as a node's HTTP API does it: only while {@link #SIGNATURE_STORE} has the
   * store open (every call fails with a {@link StoreException} saying so otherwise), so a node
   * whose profile leaves the rounds daemons out never creates a store file.
   *
   * @param notifyTo where the stdout notifier of a change prints (the node's stdout)
   */
  public dev.vigil.rounds.investigation.Management nodeManagement(java.io.PrintStream notifyTo) {
    return new dev.vigil.rounds.investigation.Management(
        diagnosis, this::openStoreReadOnly, store::get, notifyTo, clock);
  }

  /** The module's metrics, for the node's {@code /metrics}. */
  public MultiCollector metrics() {
    return metrics;
  }

  /**
   * The ingest port for pushed events (the OTLP receiver): each call commits before it returns and
   * then publishes the {@link SignatureEvent}s on {@code bus}. It fails with a {@link
   * StoreException} while {@link #SIGNATURE_STORE} is not running, so the receiver's daemon should
   * bind to it.
   */
  public EventSink eventSink(EventBus bus) {
    return pipeline.sink(bus);
  }

  /**
   * The ingest port for a receiver whose spec is built before the manager (and so its bus) exists:
   * it publishes on the bus given to {@link #publishTo}. Call that once the manager is built and
   * before it starts anything; events committed before it are counted but not announced (logged).
   */
  public EventSink pushSink() {
    return pipeline.sink(
        e -> {
          EventBus b = bus;
          if (b != null) {
            b.publish((Record) e);
          } else {
            org.slf4j.LoggerFactory.getLogger(RoundsModule.class)
                .warn("no event bus yet (publishTo not called): {} not announced", e);
          }
        });
  }

  /** The bus {@link #pushSink()} publishes on: the node's {@code DaemonManager.events()}. */
  public void publishTo(EventBus bus) {
    this.bus = Objects.requireNonNull(bus, "bus");
  }

  /** The shared ingest pipeline (for benchmarks and for sinks that publish elsewhere). */
  public IngestPipeline pipeline() {
    return pipeline;
  }

  /**
   * Opens the store for reading only (the CLI), next to a node that may be writing to it.
   *
   * @throws StoreException if there is none at the configured path or it cannot be read
   */
  public SignatureStore openStoreReadOnly() {
    return SqliteSignatureStore.openReadOnly(settings.sqlitePath(), settings.storeOptions().busyTimeout());
  }

  /**
   * Runs one poll cycle now against the configured backend, with a store of its own (opened,
   * migrated and closed here; a running node's store may be open at the same time), as {@code
   * vigil scan} does.
   *
   * @param publish receives the signature events of each committed batch
   * @return what the cycle did, or empty when the backend is {@code otlp} (nothing to poll)
   * @throws TelemetryException if the backend could not be read
   * @throws StoreException if the store could not be opened or written
   */
  public java.util.Optional<PollCycle.Report> scanOnce(Consumer<SignatureEvent> publish)
      throws TelemetryException, InterruptedException {
    if (source == null) {
      return java.util.Optional.empty();
    }
    try (SqliteSignatureStore own = SqliteSignatureStore.open(settings.sqlitePath(), settings.storeOptions())) {
      Supplier<SignatureStore> fixed = () -> own;
      IngestPipeline once =
          new IngestPipeline(
              fixed,
              fingerprinting(),
              new IngestPipeline.Settings(
                  settings.investigationThreshold(),
                  settings.seenRetention(),
                  settings.cycle().overlap(),
                  Duration.ofMinutes(10)),
              clock,
              metrics);
      return java.util.Optional.of(new PollCycle(source, once, fixed, settings.cycle(), clock).run(publish));
    }
  }

  /** Closes the store if a daemon left it open, and the source if it holds resources. */
  @Override
  public void close() {
    store.close();
    if (source instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException("could not close telemetry source " + source.name(), e);
      }
    }
  }

  /** Collects every bad value of the configuration before reporting them together. */
  private static final class Problems {
    private final Config config;
    private final List<ConfigException.ValidationProblem> found = new ArrayList<>();

    Problems(Config config) {
      this.config = config;
    }

    String string(String path) {
      try {
        return config.getString(path);
      } catch (ConfigException.Missing e) {
        bad(path, "is missing (the rounds reference.conf is not on the class path?)");
      } catch (ConfigException e) {
        bad(path, "is not a string: " + e.getMessage());
      }
      return "";
    }

    int intIn(String path, int min, int max) {
      try {
        int value = config.getInt(path);
        if (value < min || value > max) {
          bad(path, value + " must be between " + min + " and " + max);
          return min;
        }
        return value;
      } catch (ConfigException.Missing e) {
        bad(path, "is missing (the rounds reference.conf is not on the class path?)");
      } catch (ConfigException e) {
        bad(path, "'" + raw(path) + "' is not a whole number");
      }
      return min;
    }

    private String raw(String path) {
      try {
        return String.valueOf(config.getValue(path).unwrapped());
      } catch (ConfigException e) {
        return "?";
      }
    }

    void bad(String path, String problem) {
      ConfigOrigin origin = null;
      try {
        ConfigValue v = config.getValue(path);
        origin = v.origin();
      } catch (ConfigException e) {
        origin = config.origin();
      }
      found.add(new ConfigException.ValidationProblem(path, origin, problem));
    }

    void throwIfAny() {
      if (!found.isEmpty()) {
        throw new ConfigException.ValidationFailed(found);
      }
    }
  }
}
