package dev.vigil.rounds.diagnosis;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs an external program to completion: the seam between the CLI backend and the operating
 * system, so tests can control process spawning ({@link SystemProcessRunner} is the real one).
 */
public interface ProcessRunner {

  /**
   * Runs the request's command, feeding it stdin and collecting its output up to the caps. On
   * timeout, on output past a cap, and on interrupt, the whole process tree is killed.
   *
   * @throws IOException if the program cannot be started
   * @throws InterruptedException if interrupted while waiting (the tree is killed first)
   */
  Result run(Request request) throws IOException, InterruptedException;

  /**
   * What to run.
   *
   * @param command the program and its arguments
   * @param workingDir the directory it runs in
   * @param environment the program's whole environment: nothing else is inherited
   * @param stdin what it reads on standard input (then closed)
   * @param timeout how long it may run
   * @param maxStdoutBytes output past this kills it
   * @param maxStderrBytes error output past this is dropped (not fatal)
   * @param watcher told once the program started, and when it has ended
   */
  record Request(
      List<String> command,
      Path workingDir,
      Map<String, String> environment,
      byte[] stdin,
      Duration timeout,
      int maxStdoutBytes,
      int maxStderrBytes,
      Watcher watcher) {
    /** Copies the lists. */
    public Request {
      command = List.copyOf(command);
      environment = Map.copyOf(environment);
      Objects.requireNonNull(workingDir, "workingDir");
      Objects.requireNonNull(stdin, "stdin");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(watcher, "watcher");
    }

    /** A request nobody watches. */
    public Request(
        List<String> command, Path workingDir, Map<String, String> environment, byte[] stdin,
        Duration timeout, int maxStdoutBytes, int maxStderrBytes) {
      this(command, workingDir, environment, stdin, timeout, maxStdoutBytes, maxStderrBytes, Watcher.NONE);
    }
  }

  /**
   * A program the runner started.
   *
   * @param pid its process id
   * @param ownGroup true when it leads a process group (and session) of its own, so that its pid
   *     is the group's id and the group holds everything it started
   * @param startedAt its start as the operating system reports it ({@link
   *     ProcessHandle.Info#startInstant}), empty where the OS does not; with the pid it tells this
   *     process from a later one given the same pid
   */
  record Started(long pid, boolean ownGroup, Optional<Instant> startedAt) {
    /** Checks the parts. */
    public Started {
      Objects.requireNonNull(startedAt, "startedAt");
    }
  }

  /**
   * Told of each program a runner starts: once it runs, before it is given its input (so that
   * what it does is done under the watch), and once it has ended and its group was killed.
   */
  @FunctionalInterface
  interface Watcher {
    /** Watches nothing. */
    Watcher NONE = started -> () -> {};

    /**
     * The program started.
     *
     * @return what to call once it has ended and its process group was killed
     * @throws IOException if it cannot be watched: the runner kills it and fails the run
     */
    Watch started(Started started) throws IOException;
  }

  /** One watched program. */
  @FunctionalInterface
  interface Watch {
    /** It has ended and its group was killed; called at most once, never throws. */
    void ended();
  }

  /** How a run ended. */
  enum Outcome {
    /** It exited by itself; {@link Result#exitCode()} is its status. */
    EXITED,
    /** It overran the timeout and its tree was killed. */
    TIMED_OUT,
    /** It wrote more than the stdout cap and its tree was killed. */
    OUTPUT_OVERFLOW
  }

  /**
   * What a run produced.
   *
   * @param outcome how it ended
   * @param exitCode its exit status (meaningful for {@link Outcome#EXITED})
   * @param stdout what it wrote, up to the cap
   * @param stderr what it wrote on stderr, up to its cap
   * @param duration how long it ran
   */
  record Result(Outcome outcome, int exitCode, byte[] stdout, byte[] stderr, Duration duration) {}
}
