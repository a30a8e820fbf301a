package dev.vigil.rounds.investigation;

import dev.vigil.rounds.diagnosis.ProcessTable;
import dev.vigil.rounds.diagnosis.ProcessTable.Proc;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteDiagnosisStore.ProcessRecord;
import dev.vigil.rounds.store.SqliteProcessLedger;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Crash recovery for model processes: finds the processes recorded on this host whose owner's JVM
 * is gone (its pid dead, or given to a later process), kills what is left of each, settles its
 * budget reservation as expired (charged its cap) and drops its record.
 *
 * <p>Nothing of a live owner is touched, whichever node it is (two nodes on one host share the
 * store), and nothing is killed by pid alone: the group is killed ({@code kill -KILL -- -PGID})
 * only while its leader is still the recorded process by its start instant. A leader that died
 * may have left children in its group (or session, which {@code setsid} made it lead too): they
 * are found in {@code /proc} and killed one by one, each by pid and start. Linux never hands out a
 * pid still in use as a group or session id, so a group or session with the recorded id whose
 * members started after the leader is the recorded one. A leader's pid given to a later process
 * means the whole group was already gone. Elsewhere than Linux, a dead leader's children cannot
 * be found.
 */
final class LeftoverProcesses {

  /** What became of one left-over process. */
  enum Fate {
    /** Its group (or what was left of it) was sent SIGKILL. */
    KILLED,
    /** Nothing of it was running any more. */
    GONE,
    /** Its pid now belongs to a later process, left alone; its group was already gone. */
    PID_REUSED,
    /** The OS did not report its start, so it could not be told from a later process: left alone. */
    UNIDENTIFIABLE
  }

  /**
   * One left-over process dealt with.
   *
   * @param record what was recorded
   * @param fate what became of it
   * @param killed processes sent SIGKILL one by one, or the group's members seen before its kill
   * @param chargedUsd the reservation expired and charged, empty if it was no longer open
   * @param problem why a kill failed, or empty
   */
  record Reaped(ProcessRecord record, Fate fate, int killed, Optional<BigDecimal> chargedUsd, Optional<String> problem) {
    /** In words, for the log. */
    String describe() {
      ProcessRecord r = record;
      String what = switch (fate) {
        case KILLED -> "killed the left-over model process " + (r.ownGroup() ? "group " : "") + r.pid()
            + " (" + killed + " process" + (killed == 1 ? "" : "es") + ")";
        case GONE -> "model process " + r.pid() + " had ended with nothing left in its group";
        case PID_REUSED -> "model process " + r.pid() + " is gone (its pid now names a later process, left alone)";
        case UNIDENTIFIABLE -> "model process " + r.pid() + " left alone: the OS reported no start instant to identify it";
      };
      return what + " of " + r.owner() + " (its JVM " + r.ownerPid() + " is gone)"
          + problem.map(p -> " [" + p + "]").orElse("")
          + r.reservationId().stream().mapToObj(id -> chargedUsd
              .map(c -> "; its budget reservation " + id + " expired, charged its cap " + c.toPlainString() + " USD")
              .orElse("; its budget reservation " + id + " was already closed")).findFirst().orElse("");
    }
  }

  private final Supplier<SqliteDiagnosisStore> store;
  private final ProcessTable table;
  private final SqliteProcessLedger.Owner self;
  private final Clock clock;

  LeftoverProcesses(
      Supplier<SqliteDiagnosisStore> store, ProcessTable table, SqliteProcessLedger.Owner self, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.table = Objects.requireNonNull(table, "table");
    this.self = Objects.requireNonNull(self, "self");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Deals with every recorded process of this host whose owner is gone; returns what it did. */
  List<Reaped> reap() {
    List<Reaped> done = new ArrayList<>();
    for (ProcessRecord r : store.get().processes(self.host())) {
      if (ownerAlive(r)) {
        continue;
      }
      Reaped killed = kill(r);
      Optional<BigDecimal> charged = store.get().settleLeftover(r.id(), clock.instant());
      done.add(new Reaped(r, killed.fate(), killed.killed(), charged, killed.problem()));
    }
    return done;
  }

  private boolean ownerAlive(ProcessRecord r) {
    Optional<Proc> owner = table.process(r.ownerPid());
    if (owner.isEmpty()) {
      return false;
    }
    if (r.ownerStartedAt().isEmpty() || owner.get().startedAt().isEmpty()) {
      return true; // cannot tell it from a later process: never kill what may be a live node's
    }
    return owner.get().startedAt(r.ownerStartedAt().get());
  }

  private Reaped kill(ProcessRecord r) {
    if (r.startedAt().isEmpty()) {
      return new Reaped(r, Fate.UNIDENTIFIABLE, 0, Optional.empty(), Optional.empty());
    }
    Instant start = r.startedAt().get();
    Optional<Proc> leader = table.process(r.pid());
    if (leader.isPresent() && !leader.get().startedAt(start)) {
      return new Reaped(r, Fate.PID_REUSED, 0, Optional.empty(), Optional.empty());
    }
    int killed = 0;
    Optional<String> problem = Optional.empty();
    List<Proc> members = r.ownGroup() ? members(r.pid(), start) : List.of();
    if (leader.isPresent()) {
      boolean leads = r.ownGroup() && (leader.get().pgrp() == r.pid() || leader.get().pgrp() < 0);
      if (leads) {
        try {
          table.killGroup(r.pid());
          killed = Math.max(1, (int) members.stream().filter(p -> p.pgrp() == r.pid() || p.pgrp() < 0).count());
        } catch (IOException e) {
          problem = Optional.of(e.getMessage());
          killed += table.kill(leader.get()) ? 1 : 0;
        }
      } else if (table.kill(leader.get())) {
        killed++;
      }
    }
    // what the group kill does not reach: a dead leader's group, and session members in groups of their own
    for (Proc p : members) {
      boolean reachedByGroupKill = leader.isPresent() && problem.isEmpty() && p.pgrp() == r.pid();
      if (!reachedByGroupKill && p.pid() != r.pid() && table.kill(p)) {
        killed++;
      }
    }
    return new Reaped(r, killed > 0 ? Fate.KILLED : Fate.GONE, killed, Optional.empty(), problem);
  }

  /** The live members of group or session {@code id} that started no earlier than its leader. */
  private List<Proc> members(long id, Instant leaderStart) {
    Instant earliest = leaderStart.minus(ProcessTable.SAME_START);
    return table.groupOrSession(id).stream()
        .filter(p -> p.startedAt().isPresent() && !p.startedAt().get().isBefore(earliest))
        .toList();
  }
}
