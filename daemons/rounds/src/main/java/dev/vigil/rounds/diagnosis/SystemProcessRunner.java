package dev.vigil.rounds.diagnosis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs programs as real processes, each in a process group of its own.
 *
 * <p>When {@code setsid} is available the program is started through it: a child of the JVM is
 * never a group leader, so {@code setsid} makes it one without forking, and its pid is the group
 * id. Killing the tree then sends SIGKILL to the whole group (which also reaches children that
 * were re-parented when their parent died), and, as a fallback and for programs that left the
 * group, to every descendant {@link ProcessHandle} known before the kill. After a normal exit the
 * group is killed too, so nothing the program left behind keeps running.
 *
 * <p>The request's {@link Watcher} is told of the program as soon as it runs, before it is given
 * its input (the claude CLI does nothing before it has read its prompt), and once its group was
 * killed: the diagnosis store records it in between, so a node that dies during the call leaves a
 * record the next start acts on.
 */
public final class SystemProcessRunner implements ProcessRunner {

  private static final Logger log = LoggerFactory.getLogger(SystemProcessRunner.class);
  private static final Duration REAP_WAIT = Duration.ofSeconds(5);

  private final String setsid;

  /** A runner that uses {@code setsid} when it is installed. */
  public SystemProcessRunner() {
    this(findOnPath("setsid"));
  }

  /** A runner that starts programs through {@code setsid} (a path), or directly when null. */
  SystemProcessRunner(String setsid) {
    this.setsid = setsid;
  }

  @Override
  public Result run(Request request) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (setsid != null) {
      command.add(setsid);
      // should setsid ever have to fork (its caller a group leader after all), it waits for the
      // program and passes its exit status on, rather than exiting 0 with nothing printed
      command.add("--wait");
    }
    command.addAll(request.command());
    ProcessBuilder pb = new ProcessBuilder(command).directory(request.workingDir().toFile());
    pb.environment().clear();
    pb.environment().putAll(request.environment());
    long started = System.nanoTime();
    Process process = pb.start();
    ProcessRunner.Watch watch;
    try {
      watch = request.watcher().started(new Started(
          process.pid(), setsid != null, process.info().startInstant()));
    } catch (IOException | RuntimeException e) {
      killTree(process);
      throw e;
    }
    try {
      return await(request, process, started);
    } finally {
      watch.ended();
    }
  }

  private Result await(Request request, Process process, long started)
      throws IOException, InterruptedException {
    CompletableFuture<Void> overflow = new CompletableFuture<>();
    Capture out = new Capture(process.getInputStream(), request.maxStdoutBytes(), overflow);
    Capture err = new Capture(process.getErrorStream(), request.maxStderrBytes(), null);
    Thread.ofVirtual().name("stdin-" + process.pid()).start(() -> feed(process, request.stdin()));
    Thread outReader = Thread.ofVirtual().name("stdout-" + process.pid()).start(out);
    Thread errReader = Thread.ofVirtual().name("stderr-" + process.pid()).start(err);
    Outcome outcome = Outcome.EXITED;
    try {
      CompletableFuture.anyOf(process.onExit(), overflow)
          .get(request.timeout().toNanos(), TimeUnit.NANOSECONDS);
      if (overflow.isDone()) {
        outcome = Outcome.OUTPUT_OVERFLOW;
      }
    } catch (TimeoutException e) {
      outcome = Outcome.TIMED_OUT;
    } catch (ExecutionException e) {
      killTree(process);
      throw new IOException("waiting for " + request.command().get(0) + " failed", e.getCause());
    } catch (InterruptedException e) {
      killTree(process);
      throw e;
    }
    killTree(process);
    outReader.join(REAP_WAIT);
    errReader.join(REAP_WAIT);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    int exit = process.isAlive() ? -1 : process.exitValue();
    return new Result(outcome, exit, out.bytes(), err.bytes(), took);
  }

  /** Kills the process's group and every descendant, then waits briefly for it to be reaped. */
  void killTree(Process process) throws InterruptedException {
    List<ProcessHandle> descendants = process.descendants().toList();
    if (setsid != null) {
      try {
        Process kill =
            new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        kill.waitFor(REAP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (IOException e) {
        log.warn("cannot run kill for process group {}: {}", process.pid(), e.getMessage());
      }
    }
    // the handle, not the Process: Process.destroyForcibly also closes its streams, and after a
    // normal exit a reader not yet scheduled would find stdout closed and the answer lost; the
    // handle only signals, and the JDK drains the pipes into the streams when the process is reaped
    process.toHandle().destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    process.waitFor(REAP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void feed(Process process, byte[] stdin) {
    try (OutputStream in = process.getOutputStream()) {
      in.write(stdin);
    } catch (IOException e) {
      // the program closed its input early (or died): what it read is what it gets
    }
  }

  private static String findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  /** Reads a stream to its end, keeping at most {@code max} bytes. */
  private static final class Capture implements Runnable {
    private final InputStream in;
    private final int max;
    private final CompletableFuture<Void> overflow;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    Capture(InputStream in, int max, CompletableFuture<Void> overflow) {
      this.in = in;
      this.max = max;
      this.overflow = overflow;
    }

    @Override
    public void run() {
      byte[] chunk = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(chunk)) >= 0) {
          synchronized (buf) {
            int keep = Math.min(n, max - buf.size());
            if (keep > 0) {
              buf.write(chunk, 0, keep);
            }
            if (keep < n && overflow != null) {
              overflow.complete(null);
              return;
            }
          }
        }
      } catch (IOException e) {
        // the stream closed under us when the process was killed
      }
    }

    byte[] bytes() {
      synchronized (buf) {
        return buf.toByteArray();
      }
    }
  }
}
