package dev.vigil.rounds.store;

import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.diagnosis.BudgetGate;
import dev.vigil.rounds.diagnosis.ProcessLedger;
import dev.vigil.rounds.diagnosis.ProcessRunner;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ProcessLedger} on the store's {@code model_processes}: each model process is recorded
 * with its owner (the investigator, and the JVM it runs in, by pid and start instant) and the
 * call's budget reservation, and dropped once it ended. What a dead JVM leaves behind is found by
 * the next start ({@code dev.vigil.rounds.investigation.LeftoverProcesses}).
 */
public final class SqliteProcessLedger implements ProcessLedger {
  private static final Logger log = LoggerFactory.getLogger(SqliteProcessLedger.class);

  /**
   * Who starts model processes.
   *
   * @param name the investigator's name (its lease owner, {@code node-PID-xxxxxxxx})
   * @param host where its pids mean something: the host name and, on Linux, the pid namespace
   *     (two containers on one host each have their own pids)
   * @param pid its JVM's pid
   * @param startedAt its JVM's start as the OS reports it, empty if it does not
   */
  public record Owner(String name, String host, long pid, Optional<Instant> startedAt) {
    /** Checks the parts. */
    public Owner {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(startedAt, "startedAt");
    }

    /** This JVM, named {@code name}. */
    public static Owner current(String name) {
      ProcessHandle self = ProcessHandle.current();
      return new Owner(name, thisHost(), self.pid(), self.info().startInstant());
    }
  }

  /** This host's name, with its pid namespace where Linux tells it. */
  public static String thisHost() {
    String name = null;
    try {
      name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
    } catch (IOException | RuntimeException e) {
      // not Linux: ask Java
    }
    if (name == null || name.isEmpty()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        name = "localhost";
      }
    }
    try {
      return name + " " + Files.readSymbolicLink(Path.of("/proc/self/ns/pid"));
    } catch (IOException | RuntimeException e) {
      return name;
    }
  }

  private final Supplier<SqliteDiagnosisStore> store;
  private final Owner owner;
  private final Clock clock;

  /** A ledger on {@code store}'s table, recording processes as {@code owner}'s. */
  public SqliteProcessLedger(Supplier<SqliteDiagnosisStore> store, Owner owner, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.owner = Objects.requireNonNull(owner, "owner");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Whose processes it records. */
  public Owner owner() {
    return owner;
  }

  @Override
  public ProcessRunner.Watch record(ProcessRunner.Started started, BudgetGate.Reservation reservation)
      throws IOException {
    OptionalLong reservationId = reservation == null ? OptionalLong.empty() : reservation.ledgerId();
    long id;
    try {
      id = store.get().recordProcess(
          owner.host(), started.pid(), started.ownGroup(), started.startedAt(), owner.name(), owner.pid(),
          owner.startedAt(), reservationId, clock.instant());
    } catch (StoreException e) {
      throw new IOException("cannot record model process " + started.pid() + ": " + e.getMessage(), e);
    }
    AtomicBoolean ended = new AtomicBoolean();
    return () -> {
      if (ended.compareAndSet(false, true)) {
        try {
          store.get().dropProcess(id);
        } catch (RuntimeException e) {
          // harmless but for a row: the next start finds its owner alive or its process gone
          log.warn("could not drop the record of ended model process {}: {}", started.pid(), e.toString());
        }
      }
    };
  }
}
