package dev.vigil.rounds.diagnosis;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the operating system says about processes on this host, and the kills that act on it: the
 * seam between crash recovery (killing the model processes a dead node left behind) and the OS,
 * so tests can control it ({@link SystemProcessTable} is the real one).
 *
 * <p>A process is known by its pid <em>and</em> its start instant: a pid is handed out again once
 * its process is gone, so a pid alone could name someone else's process.
 */
public interface ProcessTable {

  /**
   * How far two readings of one process's start instant may differ. The JDK computes a start
   * from the boot time, which Linux reports in whole seconds and re-estimates when the clock is
   * stepped; a later process given the same pid within a second of the first one's start would
   * need the whole pid space to wrap in that second.
   */
  Duration SAME_START = Duration.ofSeconds(1);

  /** Whether {@code a} and {@code b} are readings of one start instant. */
  static boolean sameStart(Instant a, Instant b) {
    return Duration.between(a, b).abs().compareTo(SAME_START) <= 0;
  }

  /**
   * The live process {@code pid} (not a zombie), or empty if there is none.
   */
  Optional<Proc> process(long pid);

  /**
   * The live processes whose process group or session is {@code id} ({@code id}'s own process
   * included if it lives), or empty where the OS does not tell (no {@code /proc}).
   */
  List<Proc> groupOrSession(long id);

  /** Whether {@link #groupOrSession} can see anything on this OS. */
  boolean seesGroups();

  /**
   * Sends SIGKILL to every process of process group {@code pgid} ({@code kill -KILL -- -PGID}).
   *
   * @throws IOException if it could not be sent
   */
  void killGroup(long pgid) throws IOException;

  /**
   * Sends SIGKILL to process {@code p} if it is still the process that started at {@code
   * p.startedAt()}.
   *
   * @return false if it was already gone
   */
  boolean kill(Proc p);

  /**
   * A live process.
   *
   * @param pid its id
   * @param startedAt its start as the OS reports it, empty if it does not
   * @param pgrp its process group, -1 if unknown
   * @param session its session, -1 if unknown
   */
  record Proc(long pid, Optional<Instant> startedAt, long pgrp, long session) {
    /** True when this is the process that started at {@code start} (within {@link #SAME_START}). */
    public boolean startedAt(Instant start) {
      return startedAt.isPresent() && sameStart(startedAt.get(), start);
    }
  }
}
