package dev.vigil.rounds.diagnosis;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
   * @param extraEnv variables set on top of the inherited environment
   * @param stdin what it reads on standard input (then closed)
   * @param timeout how long it may run
   * @param maxStdoutBytes output past this kills it
   * @param maxStderrBytes error output past this is dropped (not fatal)
   */
  record Request(
      List<String> command,
      Path workingDir,
      Map<String, String> extraEnv,
      byte[] stdin,
      Duration timeout,
      int maxStdoutBytes,
      int maxStderrBytes) {
    /** Copies the lists. */
    public Request {
      command = List.copyOf(command);
      extraEnv = Map.copyOf(extraEnv);
      Objects.requireNonNull(workingDir, "workingDir");
      Objects.requireNonNull(stdin, "stdin");
      Objects.requireNonNull(timeout, "timeout");
    }
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
