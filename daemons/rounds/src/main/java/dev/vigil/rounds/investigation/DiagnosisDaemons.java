package dev.vigil.rounds.investigation;

import com.typesafe.config.Config;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.RestartPolicy;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.diagnosis.ConfigChecks;
import dev.vigil.rounds.diagnosis.DiagnosisBackend;
import dev.vigil.rounds.diagnosis.DiagnosisFactory;
import dev.vigil.rounds.diagnosis.InMemoryBudgetGate;
import dev.vigil.rounds.diagnosis.ProcessTable;
import dev.vigil.rounds.diagnosis.SystemProcessTable;
import dev.vigil.rounds.notify.NotificationDispatcher;
import dev.vigil.rounds.notify.Notifications;
import dev.vigil.rounds.otlp.RecentTelemetry;
import dev.vigil.rounds.store.SqliteBudgetGate;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import dev.vigil.rounds.store.SqliteProcessLedger;
import dev.vigil.rounds.store.SqliteSignatureStore;
import io.prometheus.metrics.model.registry.MultiCollector;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The diagnosis half of the rounds module as the module builds it: validates the diagnosis,
 * budget, notification and {@code DIAGNOSIS} settings up front, and gives the {@link #DIAGNOSIS}
 * daemon's spec, its metrics, and one-shot runs for the CLI ({@link #oneShot}) that go through
 * the same ledger.
 */
public final class DiagnosisDaemons {
  /** Investigates signatures: triage, leases, the diagnosis backend under the budget, notifications. */
  public static final DaemonType DIAGNOSIS = DaemonType.of("DIAGNOSIS");

  private final Parts parts;

  private DiagnosisDaemons(Parts parts) {
    this.parts = parts;
  }

  /**
   * Validates every diagnosis setting in {@code config} and builds the parts; nothing is opened.
   *
   * @param dbPath the store's file
   * @param storeOptions how it is opened
   * @param signatures the open signature store (the SIGNATURE_STORE daemon's handle)
   * @param stateDir the node's state directory (the markdown notifier's default directory)
   * @param workingDir the working directory (the default codebase path)
   * @param recent what the OTLP receiver holds of recent traces and logs, or null without one
   * @param stdout where the stdout notifier prints
   * @throws com.typesafe.config.ConfigException naming the bad keys
   */
  public static DiagnosisDaemons create(
      Config config, Path dbPath, SqliteSignatureStore.Options storeOptions,
      Supplier<SignatureStore> signatures, Path stateDir, Path workingDir, RecentTelemetry recent,
      Clock clock, PrintStream stdout) {
    // every section is checked, so that one run names every bad key
    ConfigChecks checks = new ConfigChecks(config);
    InvestigationSettings settings = checks.attempt(() -> InvestigationSettings.from(config));
    DiagnosisFactory.BudgetSettings budget = checks.attempt(() -> DiagnosisFactory.budget(config));
    // builds (and so validates) the backend once; the daemon builds its own on the real ledger
    if (budget != null) {
      checks.attempt(() -> DiagnosisFactory.create(config, workingDir,
          new InMemoryBudgetGate(budget.dailyLimitUsd(), budget.zone(), clock), clock));
    }
    Notifications notifications = checks.attempt(() -> Notifications.from(config, stateDir, workingDir, clock));
    checks.throwIfAny();
    // an investigation still running when its lease ends would be taken over by another run
    if (config.getString("vigil.rounds.diagnosis.backend").strip().equalsIgnoreCase("claude_code")) {
      long timeout = config.getLong("vigil.rounds.diagnosis.claude-code.timeout-seconds");
      if (Duration.ofSeconds(timeout).compareTo(settings.lease()) >= 0) {
        throw new com.typesafe.config.ConfigException.BadValue(
            config.getValue("vigil.daemons.DIAGNOSIS.lease-minutes").origin(),
            "vigil.daemons.DIAGNOSIS.lease-minutes",
            config.getString("vigil.daemons.DIAGNOSIS.lease-minutes").strip() + " min ("
                + settings.lease().toMillis() / 1000.0 + " s) must be longer than the claude-code timeout ("
                + timeout + " s), or a running investigation could be taken over");
      }
    }
    Path codebase = DiagnosisFactory.codebasePath(config, workingDir);
    return new DiagnosisDaemons(new Parts(
        config, settings, budget, dbPath, storeOptions, signatures, workingDir,
        new ContextBuilder(recent, codebase, settings.samples(), settings.similar()),
        notifications, stdout, clock, new InvestigationMetrics(), new SystemProcessTable()));
  }

  /** The validated settings. */
  public InvestigationSettings settings() {
    return parts.settings();
  }

  /** The {@link #DIAGNOSIS} daemon, bound to {@code storeDaemon}. */
  public DaemonSpec spec(DaemonType storeDaemon) {
    return DaemonSpec.builder(DIAGNOSIS, () -> new DiagnosisDaemon(parts))
        .category("diagnosis")
        .bindsTo(storeDaemon)
        // a failing backend fails investigations, not the daemon; a restart must never give up
        .restartPolicy(RestartPolicy.defaults().withUnlimitedAttempts()
            .withBackoff(Duration.ofSeconds(1), Duration.ofMinutes(5), 2.0))
        .build();
  }

  /** The daemon's metrics (outcomes, today's budget). */
  public MultiCollector metrics() {
    return parts.metrics();
  }

  /**
   * Runs {@code work} with an investigator of its own on stores of its own (the CLI, next to a
   * running node): the same triage, leases, budget ledger, notification queue and cooldowns as
   * the daemon's, so a notification it fails to deliver (a GitHub close refused) is retried by
   * the node's next sweep. Its stdout notifications go to {@code notifyTo} (the CLI's stderr, so
   * that stdout carries only its output).
   *
   * @throws dev.vigil.rounds.StoreException if the store cannot be opened
   */
  public <T> T oneShot(PrintStream notifyTo, OneShot<T> work) throws InterruptedException {
    return oneShot(notifyTo, "cli", work);
  }

  /**
   * As {@link #oneShot(PrintStream, OneShot)}, leasing as {@code who} (the lease owner, and so the
   * actor of the lease's audit entries, is {@code who-PID-RANDOM}).
   *
   * @throws dev.vigil.rounds.StoreException if the store cannot be opened
   */
  public <T> T oneShot(PrintStream notifyTo, String who, OneShot<T> work) throws InterruptedException {
    Parts own = new Parts(parts.config(), parts.settings(), parts.budget(), parts.dbPath(), parts.storeOptions(),
        parts.signatures(), parts.workingDir(), parts.contexts(), parts.notifications(), notifyTo, parts.clock(),
        new InvestigationMetrics(), parts.processTable());
    try (SqliteSignatureStore signatures = SqliteSignatureStore.open(parts.dbPath(), parts.storeOptions())) {
      Running r = own.open(() -> signatures, who);
      try {
        return work.run(r.investigator(), signatures, r.store());
      } finally {
        r.close();
      }
    }
  }

  /** Work for {@link #oneShot}. */
  @FunctionalInterface
  public interface OneShot<T> {
    /** Runs with the investigator and the stores it uses. */
    T run(Investigator investigator, SignatureStore signatures, SqliteDiagnosisStore diagnoses)
        throws InterruptedException;
  }

  /**
   * Opens the diagnosis tables for reading only (the CLI).
   *
   * @throws dev.vigil.rounds.StoreException if there is no store or its schema is not current
   */
  public SqliteDiagnosisStore openReadOnly() {
    return SqliteDiagnosisStore.openReadOnly(parts.dbPath(), parts.storeOptions().busyTimeout());
  }

  /**
   * Opens the notification queue for reading only (the CLI's listing).
   *
   * @throws dev.vigil.rounds.StoreException if there is no store or its schema is not current
   */
  public SqliteNotificationQueue openQueueReadOnly() {
    return SqliteNotificationQueue.openReadOnly(parts.dbPath(), parts.storeOptions().busyTimeout());
  }

  /**
   * Opens the notification queue of an existing store for writing (an operator's retry); never
   * creates a store.
   *
   * @throws dev.vigil.rounds.StoreException if there is no store or it cannot be opened
   */
  public SqliteNotificationQueue openQueue() {
    if (!java.nio.file.Files.isRegularFile(parts.dbPath())) {
      throw new dev.vigil.rounds.StoreException("no signature store at " + parts.dbPath().toAbsolutePath());
    }
    return SqliteNotificationQueue.open(parts.dbPath(), parts.storeOptions());
  }

  /** What the module validated and built once; each daemon instance opens a {@link Running} of it. */
  record Parts(
      Config config, InvestigationSettings settings, DiagnosisFactory.BudgetSettings budget,
      Path dbPath, SqliteSignatureStore.Options storeOptions, Supplier<SignatureStore> signatures,
      Path workingDir, ContextBuilder contexts, Notifications notifications, PrintStream stdout, Clock clock,
      InvestigationMetrics metrics, ProcessTable processTable) {

    Running open() {
      return open(signatures, "node");
    }

    Running open(Supplier<SignatureStore> signatureStore, String who) {
      SqliteDiagnosisStore store = SqliteDiagnosisStore.open(dbPath, storeOptions);
      SqliteNotificationQueue queue = null;
      try {
        queue = SqliteNotificationQueue.open(dbPath, storeOptions);
        String owner = who + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
        NotificationDispatcher dispatcher = notifications.dispatcher(queue, stdout, owner);
        SqliteBudgetGate gate = new SqliteBudgetGate(
            () -> store, budget.dailyLimitUsd(), budget.zone(), clock, settings.lease(), owner);
        SqliteProcessLedger processes = new SqliteProcessLedger(() -> store, SqliteProcessLedger.Owner.current(owner), clock);
        DiagnosisBackend backend = DiagnosisFactory.create(config, workingDir, gate, processes, clock);
        Investigator inv = new Investigator(signatureStore, () -> store, backend, gate, budget.perCallUsd(),
            dispatcher, contexts, settings, clock, owner, metrics);
        metrics.readFrom(gate::snapshot, store::needsHumanCount, queue::counts);
        LeftoverProcesses leftovers = new LeftoverProcesses(() -> store, processTable, processes.owner(), clock);
        return new Running(store, queue, inv, gate, budget.perCallUsd(), leftovers);
      } catch (RuntimeException e) {
        if (queue != null) {
          queue.close();
        }
        store.close();
        throw e;
      }
    }
  }

  /** An open store, its notification queue, the investigator on them, and what deals with left-over model processes. */
  record Running(
      SqliteDiagnosisStore store, SqliteNotificationQueue queue, Investigator investigator,
      SqliteBudgetGate gate, BigDecimal perCallUsd, LeftoverProcesses leftovers) {
    String resetText(Instant resetsAt) {
      return gate.until(resetsAt);
    }

    void close() throws InterruptedException {
      try {
        investigator.shutdown();
      } finally {
        try {
          queue.close();
        } finally {
          store.close();
        }
      }
    }
  }
}
