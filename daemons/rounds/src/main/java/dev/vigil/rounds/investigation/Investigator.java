package dev.vigil.rounds.investigation;

import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.diagnosis.BudgetGate;
import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.diagnosis.DiagnosisBackend;
import dev.vigil.rounds.diagnosis.DiagnosisException;
import dev.vigil.rounds.diagnosis.InvestigationContext;
import dev.vigil.rounds.notify.Notification;
import dev.vigil.rounds.notify.NotificationDispatcher;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteDiagnosisStore.Candidate;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs investigations: picks the due signatures (a sweep, {@link #cycle}) or one signature (the
 * threshold event, {@link #investigateNow}; the CLI, {@link #investigateOne}), leases each, runs
 * the backend on a pool bounded by {@link InvestigationSettings#concurrency}, stores the diagnosis
 * or the failure with its backoff, and notifies. Thread-safe.
 *
 * <p>Every model call goes through the {@link BudgetGate} (the backend is wrapped in a budgeted
 * one when it calls a model); when the budget is spent, no signature is leased until it resets,
 * and a signature whose call was refused waits for the reset without counting a failure.
 */
public final class Investigator {
  private static final Logger log = LoggerFactory.getLogger(Investigator.class);

  /** What became of one investigation. */
  public enum Outcome {
    /** A diagnosis was stored. */
    DIAGNOSED,
    /** It failed and will be retried after its backoff. */
    FAILED,
    /** It failed for the last allowed time: the signature needs a human. */
    NEEDS_HUMAN,
    /** The budget had no room; retried after the reset, not counted as a failure. */
    BUDGET_EXHAUSTED,
    /** The lease expired and another run took the signature; this result was dropped. */
    LEASE_LOST,
    /** Stopped before it finished (the daemon is stopping); the lease was given back. */
    ABANDONED;

    String metricName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * What one sweep did.
   *
   * @param started investigations it leased and ran
   * @param diagnosed of which stored a diagnosis
   * @param notificationsRetried queued notifications delivered by its retry pass
   * @param recurrences recurrence notifications it submitted (and the cooldown let through)
   */
  public record Report(int started, int diagnosed, int notificationsRetried, int recurrences) {}

  /** Recurrences submitted per sweep at most; the rest (the most recently told) wait a sweep. */
  static final int RECURRENCES_PER_SWEEP = 100;

  private final Supplier<SignatureStore> signatures;
  private final Supplier<SqliteDiagnosisStore> store;
  private final DiagnosisBackend backend;
  private final BudgetGate budget;
  private final BigDecimal perCallUsd;
  private final NotificationDispatcher dispatcher;
  private final ContextBuilder contexts;
  private final InvestigationSettings settings;
  private final Clock clock;
  private final String owner;
  private final InvestigationMetrics metrics;
  private final Semaphore slots;
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  private volatile Instant budgetBlockedUntil;

  Investigator(
      Supplier<SignatureStore> signatures,
      Supplier<SqliteDiagnosisStore> store,
      DiagnosisBackend backend,
      BudgetGate budget,
      BigDecimal perCallUsd,
      NotificationDispatcher dispatcher,
      ContextBuilder contexts,
      InvestigationSettings settings,
      Clock clock,
      String owner,
      InvestigationMetrics metrics) {
    this.signatures = Objects.requireNonNull(signatures, "signatures");
    this.store = Objects.requireNonNull(store, "store");
    this.backend = Objects.requireNonNull(backend, "backend");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.perCallUsd = Objects.requireNonNull(perCallUsd, "perCallUsd");
    this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    this.contexts = Objects.requireNonNull(contexts, "contexts");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.owner = Objects.requireNonNull(owner, "owner");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.slots = new Semaphore(settings.concurrency());
  }

  /** Who this investigator leases as (in the audit log and the lease). */
  public String owner() {
    return owner;
  }

  /** The backend's name. */
  public String backendName() {
    return backend.name();
  }

  /** True when the backend calls a model (and so spends budget). */
  public boolean callsModel() {
    return backend.callsModel();
  }

  /** The budget gate every model call goes through. */
  public BudgetGate budget() {
    return budget;
  }

  /**
   * Until when no model call fits in today's budget (the day's spend and open reservations leave
   * less than the per-call cap), read from the ledger now; empty when one fits or no model is
   * called.
   */
  public Optional<Instant> budgetExhaustedUntil() {
    return budgetRoom() ? Optional.empty() : Optional.ofNullable(budgetBlockedUntil);
  }

  /**
   * One sweep: expires stale budget reservations, leases the due signatures (at most {@link
   * InvestigationSettings#maxPerCycle}, waiting for a free worker for each), runs them and waits
   * for them, then tells about diagnosed signatures that keep occurring ({@link #notifyRecurrences})
   * and retries the queued notifications.
   */
  public Report cycle() throws InterruptedException {
    Instant now = clock.instant();
    SqliteDiagnosisStore s = store.get();
    s.expireStaleReservations(now);
    List<Future<Outcome>> running = new ArrayList<>();
    if (budgetRoom()) {
      for (Candidate c : s.due(settings.triage(), now, settings.maxPerCycle())) {
        slots.acquire();
        Optional<Candidate> leased;
        try {
          leased = lease(c.signature().id(), false);
        } catch (RuntimeException e) {
          slots.release();
          throw e;
        }
        if (leased.isEmpty()) {
          slots.release(); // another worker or node took it first
          continue;
        }
        running.add(workers.submit(() -> {
          try {
            return investigate(leased.get());
          } finally {
            slots.release();
          }
        }));
        if (!budgetRoom()) {
          break;
        }
      }
    }
    int diagnosed = 0;
    for (Future<Outcome> f : running) {
      try {
        if (f.get() == Outcome.DIAGNOSED) {
          diagnosed++;
        }
      } catch (ExecutionException e) {
        log.error("an investigation crashed", e.getCause());
      }
    }
    int recurrences = notifyRecurrences();
    int retried = 0;
    try {
      retried = dispatcher.retryDue();
    } catch (RuntimeException e) {
      log.warn("retrying queued notifications failed: {}", e.toString());
    }
    return new Report(running.size(), diagnosed, retried, recurrences);
  }

  /**
   * The recurrence rule: a signature whose diagnosis (or last recurrence) was told, that is
   * {@code diagnosed} now (not under investigation, muted or resolved) and whose occurrence count
   * grew since it was last told, is told again with its new facts ({@link
   * Notification.Recurred}) once that alert's cooldown is over: at most one recurrence per
   * signature per cooldown, shared by every dispatcher on the store. A diagnosis that was never
   * told (its confidence filtered) has no recurrences either.
   *
   * @return how many recurrences went out (or were queued)
   */
  int notifyRecurrences() {
    int sent = 0;
    try {
      for (var r : dispatcher.recurrencesDue(RECURRENCES_PER_SWEEP)) {
        Optional<Signature> sig = signatures.get().get(r.signatureId());
        if (sig.isEmpty() || sig.get().status() != dev.vigil.rounds.SignatureStatus.DIAGNOSED) {
          continue; // changed since the query
        }
        Notification.Recurred n = new Notification.Recurred(ContextBuilder.facts(sig.get()), r.notifiedCount());
        if (dispatcher.submit(n) == NotificationDispatcher.Outcome.SENT) {
          sent++;
          log.info("signature {} recurred: {} occurrences, {} since the last notice",
              r.signatureId(), n.signature().occurrenceCount(), n.newOccurrences());
        }
      }
    } catch (RuntimeException e) {
      log.warn("recurrence notifications failed: {}", e.toString());
    }
    return sent;
  }

  /**
   * Starts an investigation of signature {@code id} now, in the background, if it is due and a
   * worker is free (a busy pool leaves it to the next sweep, which finds it due).
   *
   * @return true if it was leased and started
   */
  public boolean investigateNow(long id) {
    if (!budgetRoom() || !slots.tryAcquire()) {
      return false;
    }
    Optional<Candidate> leased;
    try {
      leased = lease(id, false);
    } catch (RuntimeException e) {
      slots.release();
      throw e;
    }
    if (leased.isEmpty()) {
      slots.release();
      return false;
    }
    workers.submit(() -> {
      try {
        return investigate(leased.get());
      } finally {
        slots.release();
      }
    });
    return true;
  }

  /**
   * Investigates signature {@code id} now on the calling thread, whatever its triage (unless it is
   * muted, resolved or leased by a run under way): the one-shot {@code diagnose-signature}.
   *
   * @return the outcome and, when diagnosed, the stored diagnosis
   * @throws IllegalStateException if it cannot be leased (no such signature, muted, resolved or
   *     under investigation)
   */
  public Result investigateOne(long id) throws InterruptedException {
    Optional<Candidate> leased = lease(id, true);
    if (leased.isEmpty()) {
      throw new IllegalStateException(
          "signature " + id + " cannot be investigated now: it does not exist, is muted or resolved,"
              + " or an investigation holds its lease");
    }
    Outcome o = investigate(leased.get());
    return new Result(o, store.get().latestDiagnosis(id).filter(d -> o == Outcome.DIAGNOSED),
        store.get().state(id));
  }

  /**
   * What {@link #investigateOne} did.
   *
   * @param outcome the outcome
   * @param diagnosis the stored diagnosis when diagnosed
   * @param state the signature's investigator state after
   */
  public record Result(Outcome outcome, Optional<StoredDiagnosis> diagnosis, InvestigationState state) {}

  /**
   * Submits a notification about a signature (a regression, a resolution) through the same
   * dispatcher as diagnoses: its policy, its retry queue.
   *
   * @return what the dispatcher did with it, or empty if it failed to take it (logged)
   */
  public Optional<NotificationDispatcher.Outcome> notify(Notification n) {
    try {
      return Optional.of(dispatcher.submit(n));
    } catch (RuntimeException e) {
      log.warn("signature {}: the {} notification could not be submitted: {}", n.signature().id(), n.kind(), e.toString());
      return Optional.empty();
    }
  }

  /** The facts of a signature as notifications carry them. */
  public static dev.vigil.rounds.diagnosis.SignatureFacts facts(Signature s) {
    return ContextBuilder.facts(s);
  }

  /** Interrupts running investigations (they give their leases back) and waits for them. */
  public void shutdown() throws InterruptedException {
    workers.shutdownNow();
    workers.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
  }

  private Optional<Candidate> lease(long id, boolean force) {
    Instant now = clock.instant();
    return store.get().lease(id, settings.triage(), force, owner, now, now.plus(settings.lease()));
  }

  private boolean budgetRoom() {
    if (!backend.callsModel()) {
      return true;
    }
    BudgetGate.BudgetSnapshot b = budget.snapshot();
    if (b.limitUsd().signum() == 0 || b.remainingUsd().compareTo(perCallUsd) < 0) {
      budgetBlockedUntil = b.resetsAt();
      return false;
    }
    budgetBlockedUntil = null;
    return true;
  }

  /** Runs one leased investigation to its end; never throws but for a bug. */
  Outcome investigate(Candidate leased) {
    long id = leased.signature().id();
    SqliteDiagnosisStore s = store.get();
    Outcome outcome;
    try {
      Signature sig = signatures.get().get(id).orElse(leased.signature());
      InvestigationContext context = contexts.build(sig, signatures.get(), s);
      Diagnosis d = backend.diagnose(context);
      Optional<StoredDiagnosis> stored = s.recordDiagnosis(id, owner, backend.name(), d, clock.instant());
      if (stored.isEmpty()) {
        outcome = Outcome.LEASE_LOST;
        log.warn("signature {}: the lease expired during the investigation and was taken over; result dropped", id);
      } else {
        outcome = Outcome.DIAGNOSED;
        log.info("signature {} diagnosed by {} ({} confidence)", id, backend.name(), d.confidence().wireName());
        try {
          dispatcher.submit(new Notification.Diagnosed(ContextBuilder.facts(sig), d));
        } catch (RuntimeException e) {
          log.warn("signature {}: the notification could not be submitted: {}", id, e.toString());
        }
      }
    } catch (DiagnosisException e) {
      outcome = failed(leased, e.kind() == DiagnosisException.Kind.BUDGET_EXHAUSTED, e.getMessage(),
          e.retryAfter().orElse(null));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = Outcome.ABANDONED;
      try {
        s.release(id, owner, "investigation abandoned: the daemon is stopping", clock.instant());
      } catch (RuntimeException re) {
        log.warn("signature {}: could not give the lease back ({}); it expires on its own", id, re.toString());
      }
    } catch (RuntimeException e) {
      log.error("signature {}: the investigation failed", id, e);
      outcome = failed(leased, false, String.valueOf(e), null);
    }
    metrics.outcome(outcome.metricName());
    return outcome;
  }

  private Outcome failed(Candidate leased, boolean budgetRefused, String error, Instant retryAfter) {
    long id = leased.signature().id();
    Instant now = clock.instant();
    if (budgetRefused) {
      Instant until = retryAfter != null ? retryAfter : budget.snapshot().resetsAt();
      budgetBlockedUntil = until;
      Optional<InvestigationState> st =
          store.get().recordFailure(id, owner, error, false, until, settings.maxAttempts(), now);
      return st.isEmpty() ? Outcome.LEASE_LOST : Outcome.BUDGET_EXHAUSTED;
    }
    int failures = leased.state().attempts() + 1;
    Instant next = now.plus(settings.backoff(failures));
    if (retryAfter != null && retryAfter.isAfter(next)) {
      next = retryAfter;
    }
    Optional<InvestigationState> st =
        store.get().recordFailure(id, owner, error, true, next, settings.maxAttempts(), now);
    if (st.isEmpty()) {
      return Outcome.LEASE_LOST;
    }
    log.warn("signature {}: investigation failed (attempt {}): {}", id, st.get().attempts(), error);
    return st.get().needsHuman() ? Outcome.NEEDS_HUMAN : Outcome.FAILED;
  }
}
