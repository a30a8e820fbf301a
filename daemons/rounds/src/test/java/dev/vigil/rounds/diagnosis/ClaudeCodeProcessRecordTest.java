package dev.vigil.rounds.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vigil.rounds.store.SqliteBudgetGate;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import dev.vigil.rounds.store.SqliteProcessLedger;
import dev.vigil.rounds.store.SqliteSignatureStore;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The claude CLI's process recorded in the store while it runs, with the call's budget
 * reservation, and dropped once its group was killed: the fake {@code claude}, the real runner,
 * real SQLite.
 */
class ClaudeCodeProcessRecordTest {
  static final BigDecimal CAP = new BigDecimal("1.50");

  @TempDir static Path bin;
  @TempDir Path dir;
  private static Path claude;
  private SqliteDiagnosisStore store;
  private SqliteBudgetGate gate;
  private final Clock clock = Clock.systemUTC();
  private final SqliteProcessLedger.Owner owner = SqliteProcessLedger.Owner.current("node-test");

  /** Installed before any test spawns a process (ETXTBSY otherwise, see ClaudeCodeBackendTest). */
  @BeforeAll
  static void installFakeClaude() throws IOException {
    claude = bin.resolve("claude");
    try (InputStream in = ClaudeCodeProcessRecordTest.class.getResourceAsStream("/diagnosis/fake-claude")) {
      Files.copy(in, claude, StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(claude.toFile().setExecutable(true)).isTrue();
  }

  @BeforeEach
  void open() {
    store = SqliteDiagnosisStore.open(dir.resolve("rounds.db"), SqliteSignatureStore.Options.defaults());
    gate = new SqliteBudgetGate(() -> store, new BigDecimal("10"), ZoneOffset.UTC, clock, Duration.ofMinutes(15), owner.name());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private DiagnosisBackend backend(String scenario, Duration timeout, ProcessLedger ledger) throws IOException {
    Files.writeString(bin.resolve("scenario"), scenario);
    ClaudeCodeBackend claudeCode = new ClaudeCodeBackend(
        new ClaudeCodeBackend.Settings(claude.toString(), "sonnet", 8, CAP, timeout, 64 * 1024),
        new SystemProcessRunner(), ledger, new PromptRenderer(32_000));
    return new BudgetedBackend(claudeCode, gate, CAP);
  }

  @Test
  void aRunIsRecordedAsItsGroupWithItsStartAndReservationWhileItRunsAndDroppedOnceKilled() throws Exception {
    Files.deleteIfExists(bin.resolve("child.pid"));
    DiagnosisBackend b = backend("hang", Duration.ofSeconds(4), new SqliteProcessLedger(() -> store, owner, clock));
    CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
      try {
        b.diagnose(Contexts.context(dir));
        return null;
      } catch (Exception e) {
        return e;
      }
    });

    await().atMost(Duration.ofSeconds(10)).until(() -> Files.isRegularFile(bin.resolve("child.pid"))
        && !Files.readString(bin.resolve("child.pid")).isBlank());
    long pid = Long.parseLong(Files.readString(bin.resolve("pid")).strip());
    List<SqliteDiagnosisStore.ProcessRecord> records = store.processes(owner.host());
    assertThat(records).singleElement().satisfies(r -> {
      assertThat(r.pid()).isEqualTo(pid);
      assertThat(r.ownGroup()).as("setsid made it a group leader").isTrue();
      assertThat(r.startedAt()).isEqualTo(ProcessHandle.of(pid).orElseThrow().info().startInstant());
      assertThat(r.owner()).isEqualTo("node-test");
      assertThat(r.ownerPid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(r.ownerStartedAt()).isEqualTo(ProcessHandle.current().info().startInstant());
      assertThat(r.reservationId()).isPresent();
    });
    assertThat(gate.snapshot().reservedUsd()).isEqualByComparingTo(CAP);

    assertThat(run.get()).isInstanceOfSatisfying(DiagnosisException.class,
        e -> assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.TIMEOUT));
    assertThat(store.processCount()).as("dropped once its group was killed").isZero();
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo(CAP);
  }

  @Test
  void aFinishedRunLeavesNoRecord() throws Exception {
    Diagnosis d = backend("success", Duration.ofSeconds(30), new SqliteProcessLedger(() -> store, owner, clock))
        .diagnose(Contexts.context(dir));
    assertThat(d.costUsd()).contains(new BigDecimal("0.00423"));
    assertThat(store.processCount()).isZero();
  }

  @Test
  void aRunThatCannotBeRecordedIsKilledBeforeItReadsItsPromptAndFails() throws Exception {
    Files.deleteIfExists(bin.resolve("stdin"));
    AtomicLong pid = new AtomicLong();
    ProcessLedger failing = (started, reservation) -> {
      pid.set(started.pid());
      throw new IOException("the store is locked");
    };
    DiagnosisBackend b = backend("success", Duration.ofSeconds(30), failing);
    assertThatThrownBy(() -> b.diagnose(Contexts.context(dir)))
        .isInstanceOfSatisfying(DiagnosisException.class, e -> {
          assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.UNAVAILABLE);
          assertThat(e.getMessage()).contains("the store is locked");
        });
    assertThat(ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(bin.resolve("stdin")).as("it never got its prompt").satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyFile());
    assertThat(gate.snapshot().reservedUsd()).as("nothing ran: released").isEqualByComparingTo("0");
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("0");
  }
}
