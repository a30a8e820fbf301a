package dev.vigil.rounds.diagnosis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The {@link ProcessTable} of this host: {@link ProcessHandle} for pids and start instants, and on
 * Linux {@code /proc/<pid>/stat} for process groups, sessions and zombies (a killed orphan may
 * linger as a zombie until its new parent reaps it: it counts as gone). Elsewhere groups cannot be
 * listed ({@link #seesGroups} is false) and only a process still alive can be checked.
 */
public final class SystemProcessTable implements ProcessTable {
  private static final long KILL_WAIT_SECONDS = 5;

  private final Path proc;

  /** The host's table, reading {@code /proc} when there is one. */
  public SystemProcessTable() {
    this(Path.of("/proc"));
  }

  SystemProcessTable(Path proc) {
    this.proc = proc;
  }

  @Override
  public Optional<Proc> process(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (h.isEmpty()) {
      return Optional.empty();
    }
    if (!seesGroups()) {
      return Optional.of(new Proc(pid, h.get().info().startInstant(), -1, -1));
    }
    return stat(pid).map(st -> new Proc(pid, h.get().info().startInstant(), st.pgrp(), st.session()));
  }

  @Override
  public List<Proc> groupOrSession(long id) {
    if (!seesGroups()) {
      return List.of();
    }
    List<Proc> out = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path dir : dirs) {
        long pid = Long.parseLong(dir.getFileName().toString());
        Optional<Stat> st = stat(pid);
        if (st.isPresent() && (st.get().pgrp() == id || st.get().session() == id)) {
          ProcessHandle.of(pid).ifPresent(
              h -> out.add(new Proc(pid, h.info().startInstant(), st.get().pgrp(), st.get().session())));
        }
      }
    } catch (IOException e) {
      // /proc vanished under us: what was read is what there is
    }
    return out;
  }

  @Override
  public boolean seesGroups() {
    return Files.isReadable(proc.resolve("self/stat"));
  }

  @Override
  public void killGroup(long pgid) throws IOException {
    if (pgid <= 1) {
      throw new IllegalArgumentException("not a process group of its own: " + pgid);
    }
    Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).redirectErrorStream(true).start();
    try {
      String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!kill.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IOException("kill -KILL -- -" + pgid + " did not finish");
      }
      if (kill.exitValue() != 0) {
        throw new IOException("kill -KILL -- -" + pgid + " exited with " + kill.exitValue() + ": " + said);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while killing process group " + pgid, e);
    }
  }

  @Override
  public boolean kill(Proc p) {
    Optional<ProcessHandle> h = ProcessHandle.of(p.pid());
    if (h.isEmpty() || p.startedAt().isEmpty()) {
      return false;
    }
    // the handle holds the start it saw and the JDK checks it again before the signal
    Optional<java.time.Instant> now = h.get().info().startInstant();
    if (now.isEmpty() || !ProcessTable.sameStart(now.get(), p.startedAt().get())) {
      return false;
    }
    return h.get().destroyForcibly();
  }

  /** The fields of {@code /proc/<pid>/stat} used here; empty for no such process or a zombie. */
  private Optional<Stat> stat(long pid) {
    String line;
    try {
      line = Files.readString(proc.resolve(pid + "/stat"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Optional.empty();
    }
    // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses
    int close = line.lastIndexOf(')');
    if (close < 0) {
      return Optional.empty();
    }
    String[] f = line.substring(close + 1).strip().split("\\s+");
    if (f.length < 4 || f[0].equals("Z") || f[0].equals("X") || f[0].equals("x")) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Stat(Long.parseLong(f[2]), Long.parseLong(f[3])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private record Stat(long pgrp, long session) {}
}
