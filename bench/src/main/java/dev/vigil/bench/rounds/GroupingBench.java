package dev.vigil.bench.rounds;

import dev.vigil.rounds.fingerprint.MessageNormaliser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Grouping quality of the fingerprint normaliser on labelled message sets: every {@code *.tsv} of
 * a folder (header {@code LineId<TAB>EventId<TAB>Content}, one message a line, as in
 * {@code shared/data/loghub-dev}) is grouped by the normaliser's template, with the one generic
 * configuration, and scored against the EventId column.
 *
 * <p>Figures: Grouping Accuracy (GA, Zhu et al. 2019: a message is right iff the set of messages
 * sharing its template is exactly the set sharing its EventId) and pairwise F1 (precision and
 * recall over the pairs of messages put in one group). Prints one {@code RESULT bench=grouping
 * dataset=<name> | ga=<x> f1=<x> groups=<n> truth_groups=<n>} line per file and a last one for
 * {@code dataset=mean} (plain means over the files).
 *
 * <p>Usage: {@code java -cp vigil-bench.jar dev.vigil.bench.rounds.GroupingBench DIR [--explain]};
 * {@code --explain} lists on stderr, per file, the ground-truth groups that were split or merged,
 * with their templates.
 */
public final class GroupingBench {
  private GroupingBench() {}

  /** The scores of one data set. */
  record Score(String dataset, double ga, double f1, int groups, int truthGroups) {}

  /** Entry point; exits 2 on bad usage, 1 when the folder cannot be read or holds no data. */
  public static void main(String[] args) {
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].equals("--explain"))) {
      System.err.println("usage: GroupingBench DIR [--explain]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    boolean explain = args.length == 2;
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.filter(p -> p.getFileName().toString().endsWith(".tsv")).sorted().toList();
    } catch (IOException e) {
      System.err.println("grouping: cannot list " + dir + ": " + e);
      System.exit(1);
      return;
    }
    if (files.isEmpty()) {
      System.err.println("grouping: no *.tsv files in " + dir);
      System.exit(1);
    }
    MessageNormaliser normaliser = new MessageNormaliser();
    double gaSum = 0;
    double f1Sum = 0;
    for (Path file : files) {
      String name = file.getFileName().toString().replaceFirst("\\.tsv$", "");
      List<String[]> rows = read(file);
      List<String> truth = new ArrayList<>(rows.size());
      List<String> predicted = new ArrayList<>(rows.size());
      for (String[] row : rows) {
        truth.add(row[1]);
        predicted.add(normaliser.normalise(row[2]));
      }
      Score s = score(name, truth, predicted);
      if (explain) {
        explain(name, rows, truth, predicted);
      }
      gaSum += s.ga();
      f1Sum += s.f1();
      System.out.printf(
          Locale.ROOT,
          "RESULT bench=grouping dataset=%s | ga=%.3f f1=%.3f groups=%d truth_groups=%d%n",
          s.dataset(), s.ga(), s.f1(), s.groups(), s.truthGroups());
    }
    System.out.printf(
        Locale.ROOT,
        "RESULT bench=grouping dataset=mean | ga=%.3f f1=%.3f%n",
        gaSum / files.size(),
        f1Sum / files.size());
  }

  private static List<String[]> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    List<String[]> rows = new ArrayList<>(lines.size());
    for (int i = 1; i < lines.size(); i++) { // line 0 is the header
      String[] row = lines.get(i).split("\t", 3);
      if (row.length != 3) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": expected 3 tab-separated columns, got " + row.length);
      }
      rows.add(row);
    }
    return rows;
  }

  /** GA and pairwise F1 of {@code predicted} keys against {@code truth} labels, index by index. */
  static Score score(String dataset, List<String> truth, List<String> predicted) {
    Map<String, Integer> truthSize = new HashMap<>();
    Map<String, Integer> predSize = new HashMap<>();
    Map<String, Integer> cell = new HashMap<>(); // (predicted, truth) -> count
    for (int i = 0; i < truth.size(); i++) {
      truthSize.merge(truth.get(i), 1, Integer::sum);
      predSize.merge(predicted.get(i), 1, Integer::sum);
      cell.merge(predicted.get(i) + '\u0000' + truth.get(i), 1, Integer::sum);
    }
    long correct = 0;
    long truePairs = 0;
    for (Map.Entry<String, Integer> e : cell.entrySet()) {
      int sep = e.getKey().indexOf('\u0000');
      String p = e.getKey().substring(0, sep);
      String t = e.getKey().substring(sep + 1);
      int count = e.getValue();
      // a cell that is the whole predicted group and the whole truth group: all its messages right
      if (count == predSize.get(p) && count == truthSize.get(t)) {
        correct += count;
      }
      truePairs += pairs(count);
    }
    long predPairs = predSize.values().stream().mapToLong(GroupingBench::pairs).sum();
    long truthPairs = truthSize.values().stream().mapToLong(GroupingBench::pairs).sum();
    double precision = predPairs == 0 ? 1 : (double) truePairs / predPairs;
    double recall = truthPairs == 0 ? 1 : (double) truePairs / truthPairs;
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    return new Score(
        dataset, (double) correct / truth.size(), f1, predSize.size(), truthSize.size());
  }

  private static long pairs(long n) {
    return n * (n - 1) / 2;
  }

  private static void explain(
      String name, List<String[]> rows, List<String> truth, List<String> predicted) {
    Map<String, List<Integer>> byTruth = new HashMap<>();
    Map<String, List<Integer>> byPred = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      byTruth.computeIfAbsent(truth.get(i), k -> new ArrayList<>()).add(i);
      byPred.computeIfAbsent(predicted.get(i), k -> new ArrayList<>()).add(i);
    }
    byTruth.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              Map<String, Integer> templates = new HashMap<>();
              boolean merged = false;
              for (int i : e.getValue()) {
                templates.merge(predicted.get(i), 1, Integer::sum);
                merged |= byPred.get(predicted.get(i)).size() != e.getValue().size();
              }
              if (templates.size() > 1 || merged) {
                System.err.printf(
                    "%s %s (%d msgs, %s):%n",
                    name, e.getKey(), e.getValue().size(), templates.size() > 1 ? "split" : "merged");
                templates.entrySet().stream()
                    .limit(6)
                    .forEach(t -> System.err.println("    " + t.getValue() + "  " + t.getKey()));
              }
            });
  }
}
