package dev.vigil.sandbox;

import dev.vigil.core.HealthStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A probe's reported state: the status accepted under its thresholds, the latest run's facts, and a
 * short history of raw runs. Immutable; each run makes the next state with {@link #next}, the one
 * place the status rules live.
 *
 * @param status the accepted status
 * @param category the latest run's category ({@code null} when it was healthy)
 * @param detail the latest run's detail, with a note while a change waits for its threshold
 * @param checkedAt when the latest run ended; empty before the first
 * @param latencyNanos how long the latest run took
 * @param lastSuccess when a run last found the target working (healthy or degraded)
 * @param failures consecutive unhealthy runs
 * @param betters consecutive runs better than the accepted status
 * @param waitingOnCredential set after an auth failure: the fingerprint of the credential that
 *     failed; the probe is not run again until the credential's fingerprint differs
 * @param history the latest runs, oldest first
 * @param evidence the latest run's evidence
 */
record ProbeState(
    HealthStatus status,
    String category,
    String detail,
    Optional<Instant> checkedAt,
    long latencyNanos,
    Optional<Instant> lastSuccess,
    int failures,
    int betters,
    Optional<String> waitingOnCredential,
    List<Run> history,
    Map<String, Object> evidence) {

  ProbeState {
    history = List.copyOf(history);
    evidence = Map.copyOf(evidence);
  }

  /** One raw run, as kept in the history. */
  record Run(Instant at, HealthStatus status, String category, long latencyMs) {}

  /** Before the first run. */
  static ProbeState initial() {
    return new ProbeState(
        HealthStatus.UNKNOWN, null, "not checked yet", Optional.empty(), 0, Optional.empty(), 0, 0,
        Optional.empty(), List.of(), Map.of());
  }

  /**
   * The state after a run that found {@code raw} at {@code at}.
   *
   * <ul>
   *   <li>A working target slower than the spec's degraded latency is degraded ({@code slow}).
   *   <li>Unhealthy is accepted after {@code failureThreshold} unhealthy runs in a row.
   *   <li>A status better than the accepted one is accepted after {@code successThreshold} such
   *       runs in a row; one no better is accepted at once, and so is anything while the accepted
   *       status is unknown or the run was skipped.
   *   <li>With {@code oneShot} (vigil diagnose) every run is accepted as it is.
   * </ul>
   *
   * @param credential the fingerprint of the probe's credentials during this run
   */
  ProbeState next(
      ProbeSpec spec, Outcome raw, Instant at, boolean oneShot, int historySize, Optional<String> credential) {
    Outcome seen = raw;
    if (seen.status() == HealthStatus.HEALTHY
        && spec.degradedLatency().isPresent()
        && seen.latencyNanos() > spec.degradedLatency().get().toNanos()) {
      seen = seen.with(HealthStatus.DEGRADED, Outcome.SLOW,
          seen.detail() + "; took " + Durations.text(java.time.Duration.ofNanos(seen.latencyNanos()))
              + ", over " + Durations.text(spec.degradedLatency().get()));
    }
    // the latest historySize runs, in one copy (the constructor keeps a list it is given as is)
    int keep = Math.min(historySize, history.size() + 1);
    Run[] runs = new Run[keep];
    for (int i = 0; i < keep - 1; i++) {
      runs[i] = history.get(history.size() - (keep - 1) + i);
    }
    runs[keep - 1] = new Run(at, seen.status(), seen.category(), seen.latencyNanos() / 1_000_000);
    Optional<Instant> success =
        seen.status() == HealthStatus.HEALTHY || seen.status() == HealthStatus.DEGRADED
            ? Optional.of(at)
            : lastSuccess;
    Optional<String> waiting =
        Outcome.AUTH_ERROR.equals(seen.category()) && credential.isPresent() ? credential : Optional.empty();

    HealthStatus accepted;
    int newFailures = 0;
    int newBetters = 0;
    String note = "";
    if (oneShot || Outcome.SKIPPED.equals(seen.category()) || status == HealthStatus.UNKNOWN
        && seen.status() != HealthStatus.UNHEALTHY) {
      accepted = seen.status();
    } else if (seen.status() == HealthStatus.UNHEALTHY) {
      newFailures = failures + 1;
      if (newFailures >= spec.failureThreshold() || status == HealthStatus.UNHEALTHY) {
        accepted = HealthStatus.UNHEALTHY;
      } else {
        accepted = status;
        note = " (" + newFailures + " of " + spec.failureThreshold() + " failures before unhealthy)";
      }
    } else if (Rank.of(seen.status()) < Rank.of(status)) {
      newBetters = betters + 1;
      if (newBetters >= spec.successThreshold()) {
        accepted = seen.status();
        newBetters = 0;
      } else {
        accepted = status;
        note = " (" + newBetters + " of " + spec.successThreshold() + " good runs before " + status.wireName() + " is left)";
      }
    } else {
      accepted = seen.status();
    }
    return new ProbeState(
        accepted, seen.category(), seen.detail() + note, Optional.of(at), seen.latencyNanos(), success,
        newFailures, newBetters, waiting, List.of(runs), seen.evidence());
  }
}
