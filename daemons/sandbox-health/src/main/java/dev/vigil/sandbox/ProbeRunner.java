package dev.vigil.sandbox;

import dev.vigil.core.HealthStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;

/**
 * Runs probes and records what they found: dependency gating, the auth back-off, and the one lane
 * that expensive and side-effecting probes share so that they never run in parallel. Used by the
 * daemon's loop and by {@code vigil diagnose} alike. Thread-safe.
 */
final class ProbeRunner {
  private final ProbeBook book;
  private final Prober prober;
  private final Clock clock;
  private final Logger log;
  private final Semaphore serialLane = new Semaphore(1, true);
  private final Threads threads;

  /** Starts a named thread for a probe (the daemon's, carrying its name in the MDC). */
  interface Threads {
    /** Plain virtual threads, for a one-shot run outside a daemon. */
    Threads VIRTUAL = (name, body) -> Thread.ofVirtual().name(name).start(body);

    Thread start(String name, Runnable body);
  }

  ProbeRunner(ProbeBook book, Prober prober, Clock clock, Logger log) {
    this(book, prober, clock, log, Threads.VIRTUAL);
  }

  ProbeRunner(ProbeBook book, Prober prober, Clock clock, Logger log, Threads threads) {
    this.book = book;
    this.prober = prober;
    this.clock = clock;
    this.log = log;
    this.threads = threads;
  }

  /** How this runner starts threads: the loop starts its own the same way. */
  Threads threads() {
    return threads;
  }

  /**
   * Runs every probe once, level by level of the dependency graph; within a level the cheap ones
   * run in parallel (each on a virtual thread) and the expensive ones one at a time.
   */
  void runAll(boolean oneShot) throws InterruptedException {
    for (List<ProbeSpec> level : book.levels()) {
      List<Thread> started = new ArrayList<>();
      for (ProbeSpec p : level) {
        started.add(threads.start("probe-" + p.id(), () -> {
          try {
            runOnce(p, oneShot);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }));
      }
      try {
        for (Thread t : started) {
          t.join();
        }
      } catch (InterruptedException e) {
        started.forEach(Thread::interrupt);
        throw e;
      }
    }
  }

  /**
   * Runs one probe unless a dependency is not healthy (then it is recorded as skipped) or it is
   * waiting for its credential to change after an auth failure (then nothing happens).
   *
   * @return true if the probe ran or was recorded as skipped
   */
  boolean runOnce(ProbeSpec spec, boolean oneShot) throws InterruptedException {
    Optional<String> blocked = book.blockedBy(spec);
    if (blocked.isPresent()) {
      record(spec, Outcome.of(HealthStatus.UNKNOWN, Outcome.SKIPPED, blocked.get()), oneShot, Optional.empty());
      return true;
    }
    Optional<String> credential = fingerprint(spec);
    Optional<String> waiting = book.state(spec.id()).waitingOnCredential();
    if (!oneShot && waiting.isPresent() && waiting.equals(credential)) {
      return false; // the same credential failed auth: trying again would only fail again (or lock it)
    }
    boolean serial = spec.cost().serial();
    if (serial) {
      serialLane.acquire();
    }
    Outcome outcome;
    try {
      outcome = prober.run(spec);
    } finally {
      if (serial) {
        serialLane.release();
      }
    }
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedException("stopped during " + spec.id()); // not a finding: record nothing
    }
    record(spec, outcome, oneShot, credential);
    return true;
  }

  private void record(ProbeSpec spec, Outcome outcome, boolean oneShot, Optional<String> credential) {
    ProbeState[] change = book.record(spec, outcome, clock.instant(), oneShot, credential);
    if (change[0].status() != change[1].status() && !oneShot) {
      String message = "probe {} is {} (was {}): {}";
      if (change[1].status() == HealthStatus.UNHEALTHY) {
        log.warn(message, spec.id(), change[1].status().wireName(), change[0].status().wireName(), change[1].detail());
      } else {
        log.info(message, spec.id(), change[1].status().wireName(), change[0].status().wireName(), change[1].detail());
      }
    }
  }

  /** A digest of the probe's credential values, or empty if it declares none. */
  private Optional<String> fingerprint(ProbeSpec spec) {
    if (spec.credentials().isEmpty()) {
      return Optional.empty();
    }
    EnvReader.Snapshot env = prober.environment();
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String name : spec.credentials()) {
        sha.update((name + "=" + env.get(name).orElse("") + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return Optional.of(HexFormat.of().formatHex(sha.digest(), 0, 8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
