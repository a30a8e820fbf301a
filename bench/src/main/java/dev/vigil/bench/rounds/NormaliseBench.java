package dev.vigil.bench.rounds;

import dev.vigil.rounds.fingerprint.MessageNormaliser;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Throughput of the fingerprint normaliser on one thread: the messages of every {@code *.tsv} in
 * a folder (the third column, as in {@code shared/data/loghub-dev}: eight systems' real log
 * messages), normalised round after round for a fixed time after a warm-up.
 *
 * <p>{@code msgs_per_s} is per second of the measuring thread's CPU time: what one core does,
 * whatever else the machine runs at the time (benchmark machines here are shared). {@code
 * wall_msgs_per_s} is per second of wall-clock time, for comparison; on an idle machine the two
 * agree.
 *
 * <p>Usage: {@code java -cp vigil-bench.jar dev.vigil.bench.rounds.NormaliseBench DIR REP}; prints
 * {@code RESULT bench=normalise rep=<REP> | msgs_per_s=<x> wall_msgs_per_s=<x> chars_per_s=<x>
 * messages=<n>}.
 */
public final class NormaliseBench {
  private static final long WARM_UP_NANOS = 3_000_000_000L;
  private static final long MEASURE_NANOS = 5_000_000_000L;

  private NormaliseBench() {}

  /** Entry point; exits 2 on bad usage, 1 when the folder holds no messages. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2 || !args[1].matches("[1-9][0-9]*")) {
      System.err.println("usage: NormaliseBench DIR REP");
      System.exit(2);
    }
    String[] messages = load(Path.of(args[0]));
    if (messages.length == 0) {
      System.err.println("normalise: no messages in " + args[0]);
      System.exit(1);
    }
    long chars = 0;
    for (String m : messages) {
      chars += m.length();
    }
    MessageNormaliser normaliser = new MessageNormaliser();
    long sink = run(normaliser, messages, WARM_UP_NANOS)[1];
    long[] measured = run(normaliser, messages, MEASURE_NANOS);
    long rounds = measured[0];
    double cpuSeconds = measured[3] / 1e9;
    double wallSeconds = measured[2] / 1e9;
    System.out.printf(
        Locale.ROOT,
        "RESULT bench=normalise rep=%s | msgs_per_s=%.0f wall_msgs_per_s=%.0f chars_per_s=%.0f"
            + " messages=%d%n",
        args[1],
        rounds * messages.length / cpuSeconds,
        rounds * messages.length / wallSeconds,
        rounds * chars / cpuSeconds,
        messages.length);
    if (sink + measured[1] == 42) { // keeps the templates observable to the JIT
      System.err.println();
    }
  }

  /**
   * Whole rounds over {@code messages} until {@code nanos} of this thread's CPU time pass: rounds,
   * a sink, elapsed wall ns, elapsed CPU ns.
   */
  private static long[] run(MessageNormaliser normaliser, String[] messages, long nanos) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long start = System.nanoTime();
    long cpuStart = threads.getCurrentThreadCpuTime();
    long rounds = 0;
    long sink = 0;
    long elapsed;
    do {
      for (String m : messages) {
        sink += normaliser.normalise(m).length();
      }
      rounds++;
      elapsed = threads.getCurrentThreadCpuTime() - cpuStart;
    } while (elapsed < nanos);
    return new long[] {rounds, sink, System.nanoTime() - start, elapsed};
  }

  private static String[] load(Path dir) throws IOException {
    List<String> messages = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.filter(p -> p.getFileName().toString().endsWith(".tsv")).sorted().toList();
    }
    for (Path file : files) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 1; i < lines.size(); i++) {
        String[] row = lines.get(i).split("\t", 3);
        if (row.length == 3) {
          messages.add(row[2]);
        }
      }
    }
    return messages.toArray(String[]::new);
  }
}
