package dev.vigil.rounds.investigation;

import dev.vigil.rounds.AuditEntry;
import dev.vigil.rounds.Sample;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.notify.Notification;
import dev.vigil.rounds.notify.NotificationQueue;
import dev.vigil.rounds.store.SqliteBudgetGate;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteNotificationQueue;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Signature management, the one implementation behind {@code vigil signatures ...}, {@code vigil
 * diagnose-signature}, {@code vigil investigate}, {@code vigil notifications} and the node's {@code
 * /api/signatures} and {@code /api/notifications} endpoints,
 * so the CLI and the HTTP API cannot drift. Reads open the store read-only; every change runs
 * through {@link DiagnosisDaemons#oneShot} (stores of its own next to a running node, the same
 * leases and budget ledger as the {@code DIAGNOSIS} daemon) and is audited with the caller's actor
 * ({@code cli:USER}, {@code api:NAME}) and reason.
 *
 * <p>Thread-safe: each call opens and closes its own connections. Calls block on the store (and a
 * diagnosis on the model, up to the backend's timeout).
 *
 * @see ManagementJson the documents callers render
 */
public final class Management {
  /** The longest reason (or fix) a caller may give; the audit log is not a place for essays. */
  public static final int MAX_REASON_LENGTH = 1_000;

  private final DiagnosisDaemons diagnosis;
  private final Supplier<SignatureStore> readOnlySignatures;
  private final Runnable requireStore;
  private final PrintStream notifyTo;
  private final Clock clock;

  /**
   * Management through {@code diagnosis}'s one-shot runs ({@link
   * dev.vigil.rounds.RoundsModule#management} and {@link dev.vigil.rounds.RoundsModule#nodeManagement}
   * build it).
   *
   * @param readOnlySignatures opens the signature store read-only (the caller closes it)
   * @param requireStore throws a {@link StoreException} saying why when management is not
   *     possible now (the node's store daemon is not running); does nothing for the CLI
   * @param notifyTo where the stdout notifier of a change prints
   */
  public Management(
      DiagnosisDaemons diagnosis, Supplier<SignatureStore> readOnlySignatures, Runnable requireStore,
      PrintStream notifyTo, Clock clock) {
    this.diagnosis = Objects.requireNonNull(diagnosis, "diagnosis");
    this.readOnlySignatures = Objects.requireNonNull(readOnlySignatures, "readOnlySignatures");
    this.requireStore = Objects.requireNonNull(requireStore, "requireStore");
    this.notifyTo = Objects.requireNonNull(notifyTo, "notifyTo");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * A signature with what the investigator knows of it.
   *
   * @param signature the signature
   * @param latest its latest diagnosis, if any
   * @param state its investigator state
   */
  public record Listed(Signature signature, Optional<StoredDiagnosis> latest, InvestigationState state) {
    /** Checks the parts. */
    public Listed {
      Objects.requireNonNull(signature, "signature");
      Objects.requireNonNull(latest, "latest");
      Objects.requireNonNull(state, "state");
    }
  }

  /**
   * One signature in full.
   *
   * @param listed the signature, its latest diagnosis and state
   * @param diagnoses every diagnosis, oldest first
   * @param samples the kept samples, newest first
   * @param audit the audit trail, oldest first
   */
  public record Detail(Listed listed, List<StoredDiagnosis> diagnoses, List<Sample> samples, List<AuditEntry> audit) {
    /** Copies the lists. */
    public Detail {
      Objects.requireNonNull(listed, "listed");
      diagnoses = List.copyOf(diagnoses);
      samples = List.copyOf(samples);
      audit = List.copyOf(audit);
    }
  }

  /**
   * What a change came to: done (with what it made), no such signature, or refused because the
   * lifecycle does not allow it or an investigation holds the signature.
   *
   * @param <T> what a done change gives back
   */
  public sealed interface Answer<T> {
    /** The change was made (for a diagnosis: the investigation ran, whatever its outcome). */
    record Done<T>(T value) implements Answer<T> {}

    /** There is no signature {@code id}. */
    record NotFound<T>(long id) implements Answer<T> {}

    /** The change is not allowed now; {@code message} says why. */
    record Refused<T>(long id, String message) implements Answer<T> {}
  }

  /**
   * A status change or investigation reset that was made.
   *
   * @param message one line saying what happened ({@code signature 4 is muted})
   * @param signature the signature after it
   */
  public record Moved(String message, Listed signature) {}

  /**
   * What one investigation cycle did.
   *
   * @param report the cycle's report
   * @param budgetExhaustedUntil when no model call fits in today's budget after the cycle, until
   *     when (empty when one fits or no model is called)
   * @param budgetText {@code budget exhausted until 00:00 UTC (...)} when exhausted, else empty
   */
  public record Cycle(Investigator.Report report, Optional<Instant> budgetExhaustedUntil, String budgetText) {}

  // ------------------------------------------------------------------------------------ reads

  /**
   * The signatures matching {@code query}, most recently seen first.
   *
   * @throws StoreException if the store cannot be read
   */
  public List<Listed> list(SignatureStore.Query query) {
    requireStore.run();
    try (Readers r = readers()) {
      return r.signatures().list(query).stream().map(s -> listed(s, r.diagnoses())).toList();
    }
  }

  /**
   * One signature by id ({@code 42}) or fingerprint.
   *
   * @return empty if there is none
   * @throws StoreException if the store cannot be read
   */
  public Optional<Detail> show(String idOrFingerprint) {
    requireStore.run();
    String key = idOrFingerprint.strip();
    try (Readers r = readers()) {
      SignatureStore store = r.signatures();
      Optional<Signature> found =
          key.matches("\\d{1,18}") ? store.get(Long.parseLong(key)) : store.byFingerprint(key);
      return found.map(s -> new Detail(
          listed(s, r.diagnoses()), r.diagnoses().diagnoses(s.id()), store.samples(s.id()), store.audit(s.id())));
    }
  }

  // ---------------------------------------------------------------------------------- changes

  /**
   * Mutes signature {@code id}: it keeps counting but is never investigated or notified.
   *
   * @param reason why (audited); blank means {@code muted}
   * @throws StoreException if the store cannot be written
   */
  public Answer<Moved> mute(long id, String actor, String reason) throws InterruptedException {
    String why = reason == null || reason.isBlank() ? "muted" : reason;
    return change(id, actor, (inv, sigs, diags, now) ->
        moved(id, sigs.transition(id, SignatureStatus.MUTED, actor, why, now), diags));
  }

  /**
   * Resolves signature {@code id} and tells the notifiers (a GitHub issue is closed); a recurrence
   * reopens it as a regression.
   *
   * @param fix the fix (a commit, a release), audited as {@code resolved by FIX}; may be blank
   * @throws StoreException if the store cannot be written
   */
  public Answer<Moved> resolve(long id, String actor, String fix) throws InterruptedException {
    String f = fix == null ? "" : fix.strip();
    return change(id, actor, (inv, sigs, diags, now) -> {
      Optional<Signature> s =
          sigs.transition(id, SignatureStatus.RESOLVED, actor, f.isEmpty() ? "resolved" : "resolved by " + f, now);
      // a failed notification waits in the store's queue for the node's next sweep
      s.ifPresent(x -> inv.notify(new Notification.Resolved(Investigator.facts(x), f)));
      return moved(id, s, diags);
    });
  }

  /**
   * Clears signature {@code id}'s failed attempts, backoff and needs-human state.
   *
   * @param reason why (audited as {@code retriage: REASON}); may be blank
   * @throws StoreException if the store cannot be written
   */
  public Answer<Moved> retriage(long id, String actor, String reason) throws InterruptedException {
    return change(id, actor, (inv, sigs, diags, now) ->
        reset(id, diags.reset(id, false, actor, blankless(reason), now), "retriaged", sigs, diags));
  }

  /**
   * Asks for a new investigation of signature {@code id} at the next sweep, whatever its cooldown;
   * refused for a muted or resolved signature.
   *
   * @param reason why (audited as {@code reinvestigate: REASON}); may be blank
   * @throws StoreException if the store cannot be written
   */
  public Answer<Moved> reinvestigate(long id, String actor, String reason) throws InterruptedException {
    return change(id, actor, (inv, sigs, diags, now) -> {
      Signature s = sigs.get(id).orElseThrow();
      if (s.status() == SignatureStatus.MUTED || s.status() == SignatureStatus.RESOLVED) {
        throw new SignatureStore.IllegalTransitionException(id, s.status(), SignatureStatus.INVESTIGATING);
      }
      return reset(id, diags.reset(id, true, actor, blankless(reason), now),
          "queued for investigation at the next sweep", sigs, diags);
    });
  }

  /**
   * Investigates signature {@code id} now on the calling thread, whatever its triage, with the
   * configured backend charged through the budget ledger. It leases as {@code actor}, so the
   * audit entries of the lease and the diagnosis name {@code ACTOR-PID-RANDOM} with the reason
   * {@code investigation requested}. Refused when the signature is muted, resolved or leased by an
   * investigation under way. Done whatever the investigation's outcome: a failure, or a budget with
   * no room ({@link Investigator.Outcome#BUDGET_EXHAUSTED}, the reason and the reset time in the
   * state), is in the result.
   *
   * @throws StoreException if the store cannot be written
   */
  public Answer<Investigator.Result> diagnose(long id, String actor) throws InterruptedException {
    requireStore.run();
    return diagnosis.<Answer<Investigator.Result>>oneShot(notifyTo, actor, (inv, sigs, diags) -> {
      Optional<Signature> s = sigs.get(id);
      if (s.isEmpty()) {
        return new Answer.NotFound<>(id);
      }
      SignatureStatus status = s.get().status();
      if (status == SignatureStatus.MUTED || status == SignatureStatus.RESOLVED) {
        return new Answer.Refused<>(id,
            new SignatureStore.IllegalTransitionException(id, status, SignatureStatus.INVESTIGATING).getMessage());
      }
      Instant now = clock.instant();
      InvestigationState st = diags.state(id);
      if (st.leaseUntil() != null && st.leaseUntil().isAfter(now)) {
        return new Answer.Refused<>(id, "signature " + id + " is being investigated by " + st.leaseOwner()
            + " (leased until " + st.leaseUntil() + ")");
      }
      try {
        return new Answer.Done<>(inv.investigateOne(id));
      } catch (IllegalStateException e) { // taken between the check and the lease
        return new Answer.Refused<>(id, e.getMessage());
      }
    });
  }

  /**
   * Runs one investigation cycle now (the due signatures, as the daemon's sweep would), leasing
   * as {@code actor}.
   *
   * @throws StoreException if the store cannot be written
   */
  public Cycle investigate(String actor) throws InterruptedException {
    requireStore.run();
    return diagnosis.oneShot(notifyTo, actor, (inv, sigs, diags) -> {
      Investigator.Report report = inv.cycle();
      Optional<Instant> until = inv.budgetExhaustedUntil();
      String text = until.map(t -> "budget exhausted until " + untilText(inv, t)).orElse("");
      return new Cycle(report, until, text);
    });
  }

  /** {@code 00:00 UTC (2026-...Z)} as the ledger says it, or the instant. */
  private static String untilText(Investigator inv, Instant t) {
    return inv.budget() instanceof SqliteBudgetGate g ? g.until(t) : t.toString();
  }

  // ----------------------------------------------------------------------- notification queue

  /**
   * The notification queue's entries, oldest first: every one, or only the parked ones (those a
   * dispatcher gave up on, waiting for {@link #retryNotifications}).
   *
   * @throws StoreException if there is no store or it cannot be read
   */
  public List<NotificationQueue.Pending> notifications(boolean parkedOnly) {
    requireStore.run();
    try (SqliteNotificationQueue q = diagnosis.openQueueReadOnly()) {
      return q.all().stream().filter(p -> !parkedOnly || p.parked()).toList();
    }
  }

  /**
   * Puts parked notifications back in line, as new (no attempt, due now, unclaimed), for the next
   * retry pass of a dispatcher with their notifier (the node's sweep); per notifier and signature
   * they still go out in order. All or nothing: when an id is not in the queue or not parked,
   * nothing changes and the answer names it ({@link #retryRefusal}). Each retry is logged and
   * audited on its signature as {@code actor} ({@code retry notification ID (KIND to NOTIFIER):
   * REASON}).
   *
   * @param ids the entries; empty for every parked entry
   * @param reason why; may be blank
   * @throws StoreException if there is no store or it cannot be written
   */
  public NotificationQueue.Retried retryNotifications(Collection<Long> ids, String actor, String reason) {
    Objects.requireNonNull(actor, "actor");
    requireStore.run();
    try (SqliteNotificationQueue q = diagnosis.openQueue()) {
      return q.retryParked(ids, actor, reason, clock.instant());
    }
  }

  /** Why a refused retry changed nothing, in one line ({@code no notification 7; notification 3 is not parked}). */
  public static String retryRefusal(NotificationQueue.Retried r) {
    List<String> parts = new java.util.ArrayList<>();
    if (!r.missing().isEmpty()) {
      parts.add((r.missing().size() == 1 ? "no notification " : "no notifications ") + ids(r.missing()));
    }
    if (!r.notParked().isEmpty()) {
      parts.add((r.notParked().size() == 1 ? "notification " + ids(r.notParked()) + " is not parked"
          : "notifications " + ids(r.notParked()) + " are not parked")
          + " (it waits for its next attempt)");
    }
    return String.join("; ", parts) + "; nothing was retried";
  }

  private static String ids(List<Long> ids) {
    return String.join(", ", ids.stream().map(String::valueOf).toList());
  }

  // ---------------------------------------------------------------------------------- helpers

  @FunctionalInterface
  private interface Change {
    Answer<Moved> apply(Investigator inv, SignatureStore sigs, SqliteDiagnosisStore diags, Instant now);
  }

  /** Runs {@code change} on a signature that exists; an illegal move is refused. */
  private Answer<Moved> change(long id, String actor, Change change) throws InterruptedException {
    Objects.requireNonNull(actor, "actor");
    requireStore.run();
    return diagnosis.<Answer<Moved>>oneShot(notifyTo, actor, (inv, sigs, diags) -> {
      if (sigs.get(id).isEmpty()) {
        return new Answer.NotFound<>(id);
      }
      try {
        return change.apply(inv, sigs, diags, clock.instant());
      } catch (SignatureStore.IllegalTransitionException e) {
        return new Answer.Refused<>(id, e.getMessage());
      }
    });
  }

  private static Answer<Moved> moved(long id, Optional<Signature> s, SqliteDiagnosisStore diags) {
    return s.<Answer<Moved>>map(x -> new Answer.Done<>(new Moved(
            "signature " + x.id() + " is " + x.status().wireName(), listed(x, diags))))
        .orElseGet(() -> new Answer.NotFound<>(id));
  }

  private static Answer<Moved> reset(
      long id, Optional<InvestigationState> st, String what, SignatureStore sigs, SqliteDiagnosisStore diags) {
    Optional<Signature> s = st.flatMap(x -> sigs.get(id));
    return s.<Answer<Moved>>map(x -> new Answer.Done<>(new Moved("signature " + id + " " + what, listed(x, diags))))
        .orElseGet(() -> new Answer.NotFound<>(id));
  }

  private static String blankless(String reason) {
    return reason == null ? "" : reason.strip();
  }

  private static Listed listed(Signature s, SqliteDiagnosisStore diags) {
    return new Listed(s, diags.latestDiagnosis(s.id()), diags.state(s.id()));
  }

  private Readers readers() {
    SignatureStore signatures = readOnlySignatures.get();
    try {
      return new Readers(signatures, diagnosis.openReadOnly());
    } catch (RuntimeException e) {
      signatures.close();
      throw e;
    }
  }

  /** The stores of one read, read-only. */
  private record Readers(SignatureStore signatures, SqliteDiagnosisStore diagnoses) implements AutoCloseable {
    @Override
    public void close() {
      try {
        signatures.close();
      } finally {
        diagnoses.close();
      }
    }
  }
}
