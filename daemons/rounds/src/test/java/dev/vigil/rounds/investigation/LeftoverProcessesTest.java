package dev.vigil.rounds.investigation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.rounds.diagnosis.BudgetGate;
import dev.vigil.rounds.diagnosis.ProcessRunner;
import dev.vigil.rounds.diagnosis.SystemProcessTable;
import dev.vigil.rounds.store.SqliteBudgetGate;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteProcessLedger;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery on real processes and real SQLite: process groups started as the claude runner
 * starts them ({@code setsid}), recorded as a dead JVM's, then dealt with by the next start.
 */
class LeftoverProcessesTest {
  static final BigDecimal CAP = new BigDecimal("1.50");

  @TempDir Path dir;
  SqliteDiagnosisStore store;
  SqliteBudgetGate gate;
  final Clock clock = Clock.systemUTC();
  final SqliteProcessLedger.Owner self = SqliteProcessLedger.Owner.current("node-self");
  final List<Process> started = new ArrayList<>();

  @BeforeEach
  void open() {
    assumeThat(Files.isExecutable(Path.of("/usr/bin/setsid")) || Files.isExecutable(Path.of("/bin/setsid")))
        .as("setsid is installed").isTrue();
    assumeThat(new SystemProcessTable().seesGroups()).as("/proc is there").isTrue();
    store = SqliteDiagnosisStore.open(dir.resolve("rounds.db"), SqliteSignatureStore.Options.defaults());
    gate = new SqliteBudgetGate(() -> store, new BigDecimal("10"), ZoneOffset.UTC, clock, Duration.ofMinutes(15), "node-dead");
  }

  @AfterEach
  void close() throws Exception {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
    }
    if (store != null) {
      store.close();
    }
  }

  /** A group as the runner starts one: a leader (its own group and session) with a child. */
  record Group(Process leader, ProcessRunner.Started started, long child) {}

  Group group(String leaderThen) throws Exception {
    Path childFile = dir.resolve("child-" + started.size());
    Process p = new ProcessBuilder("setsid", "bash", "-c",
        "sleep 300 & echo $! > " + childFile + "; " + leaderThen).start();
    started.add(p);
    ProcessRunner.Started s = new ProcessRunner.Started(p.pid(), true, p.info().startInstant());
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.isRegularFile(childFile) && Files.size(childFile) > 0);
    return new Group(p, s, Long.parseLong(Files.readString(childFile).strip()));
  }

  /** The owner of a JVM that died: a process that ran here and ended. */
  SqliteProcessLedger.Owner deadOwner() throws Exception {
    Process p = new ProcessBuilder("cat").start();
    Optional<Instant> start = p.info().startInstant();
    p.getOutputStream().close();
    p.waitFor();
    return new SqliteProcessLedger.Owner("node-" + p.pid() + "-dead", self.host(), p.pid(), start);
  }

  ProcessRunner.Watch record(SqliteProcessLedger.Owner owner, ProcessRunner.Started s, BudgetGate.Reservation r)
      throws IOException {
    return new SqliteProcessLedger(() -> store, owner, clock).record(s, r);
  }

  LeftoverProcesses leftovers() {
    return new LeftoverProcesses(() -> store, new SystemProcessTable(), self, clock);
  }

  static boolean gone(long pid) throws IOException {
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) {
      return true;
    }
    try {
      String s = Files.readString(stat);
      return s.substring(s.lastIndexOf(')') + 2).startsWith("Z"); // a zombie waiting for its parent
    } catch (IOException e) {
      return true;
    }
  }

  @Test
  void aDeadOwnersGroupIsKilledLeaderAndChildAndItsReservationExpiresAtItsCap() throws Exception {
    Group g = group("exec sleep 300");
    BudgetGate.Reservation r = gate.reserve(CAP, "signature 1");
    record(deadOwner(), g.started(), r);

    List<LeftoverProcesses.Reaped> done = leftovers().reap();

    assertThat(done).hasSize(1);
    assertThat(done.get(0).fate()).isEqualTo(LeftoverProcesses.Fate.KILLED);
    assertThat(done.get(0).killed()).isEqualTo(2);
    assertThat(done.get(0).chargedUsd()).contains(CAP);
    assertThat(done.get(0).describe())
        .contains("killed the left-over model process group " + g.leader().pid())
        .contains("its budget reservation " + r.ledgerId().getAsLong() + " expired, charged its cap 1.50 USD");
    await().atMost(Duration.ofSeconds(10)).until(() -> gone(g.leader().pid()) && gone(g.child()));
    assertThat(store.processCount()).isZero();
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo(CAP);
    assertThat(gate.snapshot().reservedUsd()).isEqualByComparingTo("0");
    assertThat(leftovers().reap()).as("settled once").isEmpty();
  }

  @Test
  void aLiveOwnersProcessesAreNeverTouchedWhateverNodeItIs() throws Exception {
    Group g = group("exec sleep 300");
    BudgetGate.Reservation r = gate.reserve(CAP, "signature 1");
    // another node of this host: alive (this JVM stands in for it), under another name
    record(new SqliteProcessLedger.Owner("node-other", self.host(), self.pid(), self.startedAt()), g.started(), r);

    assertThat(leftovers().reap()).isEmpty();

    assertThat(g.leader().isAlive()).isTrue();
    assertThat(gone(g.child())).isFalse();
    assertThat(store.processCount()).isEqualTo(1);
    assertThat(gate.snapshot().reservedUsd()).isEqualByComparingTo(CAP);
  }

  @Test
  void anOwnerWhosePidWasGivenToAnotherProcessIsDead() throws Exception {
    Group g = group("exec sleep 300");
    // the pid of a live process (this JVM), but not the one that started then
    SqliteProcessLedger.Owner recycled = new SqliteProcessLedger.Owner(
        "node-" + self.pid() + "-old", self.host(), self.pid(), Optional.of(self.startedAt().orElseThrow().minusSeconds(3600)));
    record(recycled, g.started(), null);

    List<LeftoverProcesses.Reaped> done = leftovers().reap();

    assertThat(done).singleElement().satisfies(d -> {
      assertThat(d.fate()).isEqualTo(LeftoverProcesses.Fate.KILLED);
      assertThat(d.chargedUsd()).isEmpty();
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> gone(g.leader().pid()) && gone(g.child()));
  }

  @Test
  void aLeaderThatDiedLeavingItsChildInTheGroupHasTheChildKilled() throws Exception {
    Group g = group("exit 0");
    g.leader().waitFor();
    assertThat(gone(g.child())).as("the child outlives its leader").isFalse();
    BudgetGate.Reservation r = gate.reserve(CAP, "signature 1");
    record(deadOwner(), g.started(), r);

    List<LeftoverProcesses.Reaped> done = leftovers().reap();

    assertThat(done).singleElement().satisfies(d -> {
      assertThat(d.fate()).isEqualTo(LeftoverProcesses.Fate.KILLED);
      assertThat(d.killed()).isEqualTo(1);
      assertThat(d.chargedUsd()).contains(CAP);
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> gone(g.child()));
  }

  @Test
  void aPidGivenToALaterProcessIsLeftAloneAndTheReservationStillSettled() throws Exception {
    Process later = new ProcessBuilder("sleep", "300").start();
    started.add(later);
    // recorded as a group leader that started an hour before the process that has its pid now
    ProcessRunner.Started old = new ProcessRunner.Started(
        later.pid(), true, Optional.of(later.info().startInstant().orElseThrow().minusSeconds(3600)));
    BudgetGate.Reservation r = gate.reserve(CAP, "signature 1");
    record(deadOwner(), old, r);

    List<LeftoverProcesses.Reaped> done = leftovers().reap();

    assertThat(done).singleElement().satisfies(d -> {
      assertThat(d.fate()).isEqualTo(LeftoverProcesses.Fate.PID_REUSED);
      assertThat(d.chargedUsd()).contains(CAP);
    });
    assertThat(later.isAlive()).isTrue();
    assertThat(store.processCount()).isZero();
  }

  @Test
  void aProcessWithoutAKnownStartIsLeftAloneAndAnotherHostsRecordsAreNotRead() throws Exception {
    Group g = group("exec sleep 300");
    SqliteProcessLedger.Owner dead = deadOwner();
    record(dead, new ProcessRunner.Started(g.leader().pid(), true, Optional.empty()), gate.reserve(CAP, "signature 1"));
    SqliteProcessLedger.Owner elsewhere = new SqliteProcessLedger.Owner("node-9-x", "another-host", dead.pid(), dead.startedAt());
    record(elsewhere, g.started(), gate.reserve(CAP, "signature 2"));

    List<LeftoverProcesses.Reaped> done = leftovers().reap();

    assertThat(done).singleElement().satisfies(d -> {
      assertThat(d.fate()).isEqualTo(LeftoverProcesses.Fate.UNIDENTIFIABLE);
      assertThat(d.chargedUsd()).contains(CAP);
    });
    assertThat(g.leader().isAlive()).isTrue();
    assertThat(gone(g.child())).isFalse();
    assertThat(store.processCount()).as("another host's record stays for that host").isEqualTo(1);
    assertThat(gate.snapshot().reservedUsd()).isEqualByComparingTo(CAP);
  }
}
