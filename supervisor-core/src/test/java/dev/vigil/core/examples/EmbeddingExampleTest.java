package dev.vigil.core.examples;

import static dev.vigil.core.DaemonState.BACKOFF;
import static dev.vigil.core.DaemonState.FAILED;
import static dev.vigil.core.DaemonState.STARTING;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.vigil.core.Daemon;
import dev.vigil.core.DaemonContext;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.RestartPolicy;
import dev.vigil.core.Transition;
import dev.vigil.core.testkit.ManualScheduler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/embedding.md honest: its example program runs and does what the guide says, and the
 * code the guide shows is the code compiled and run here. Maven runs tests in the module directory,
 * so the guide is at {@code ../docs/embedding.md}.
 */
class EmbeddingExampleTest {
  private static final Path EXAMPLE =
      Path.of("src/test/java/dev/vigil/core/examples/EmbeddingExample.java");
  private static final Path THIS_TEST =
      Path.of("src/test/java/dev/vigil/core/examples/EmbeddingExampleTest.java");
  private static final Path GUIDE = Path.of("../docs/embedding.md");
  private static final String EXAMPLE_MARKER = "<!-- example: EmbeddingExample.java -->";
  private static final String VIRTUAL_TIME_MARKER =
      "<!-- snippet: EmbeddingExampleTest.java, virtual time -->";

  @Test
  void exampleStartsBothDaemonsPrintsThemRunningAndShutsDownCleanly() {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(captured, true, UTF_8));
    try {
      assertTimeoutPreemptively(
          Duration.ofSeconds(30), () -> EmbeddingExample.main(new String[0]));
    } finally {
      System.setOut(original);
    }
    List<String> lines = captured.toString(UTF_8).lines().toList();

    assertThat(lines)
        .containsSubsequence(
            "store open",
            "DAEMON_WATCHDOG RUNNING",
            "EVENT_ROUTER RUNNING",
            "POLLER RUNNING",
            "STORE RUNNING",
            "ready: true",
            "store closed");
    // the report lists the poller before the store it depends on, and the built-ins after both
    assertThat(lines.get(lines.size() - 1))
        .matches("shutdown clean: true, stopped \\[POLLER, STORE, \\w+, \\w+\\]");
  }

  @Test
  void exampleEndsByItselfWhenRunAsAProgram() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process process =
        new ProcessBuilder(java, "-cp", classPath, EmbeddingExample.class.getName())
            .redirectErrorStream(true)
            .start();
    // read to the end, so a full pipe cannot stall the program
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(process.getInputStream().readAllBytes(), UTF_8);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });

    boolean ended = process.waitFor(30, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly();
    }

    assertThat(ended).as("the example ends by itself within 30 s").isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(output.get(10, TimeUnit.SECONDS)).contains("shutdown clean: true");
  }

  @Test
  void guideShowsTheExampleFileVerbatim() throws IOException {
    String shown = fencedBlockAfter(Files.readString(GUIDE), EXAMPLE_MARKER);

    assertThat(shown).isEqualTo(normalized(Files.readString(EXAMPLE)));
  }

  @Test
  void exampleIsUnderFortyLinesOfCode() throws IOException {
    // the rule the guide states: non-blank, non-comment lines, package and imports not counted
    assertThat(linesOfCode(Files.readAllLines(EXAMPLE))).isLessThan(40);
  }

  @Test
  void guideShowsTheVirtualTimeTestVerbatim() throws IOException {
    String shown = fencedBlockAfter(Files.readString(GUIDE), VIRTUAL_TIME_MARKER);

    assertThat(shown).isEqualTo(region(Files.readAllLines(THIS_TEST), "virtual time"));
  }

  // guide: virtual time
  /** A daemon whose start always fails, as when the backend it needs is down. */
  static final class AlwaysCrashes implements Daemon {
    @Override
    public void start(DaemonContext ctx) throws IOException {
      throw new IOException("backend down");
    }
  }

  @Test
  void crashingDaemonBacksOffInVirtualTime() throws Exception {
    ManualScheduler time = new ManualScheduler(Instant.parse("2026-01-01T00:00:00Z"));
    DaemonType flaky = DaemonType.of("FLAKY");
    DaemonSpec spec =
        DaemonSpec.builder(flaky, AlwaysCrashes::new)
            .restartPolicy(RestartPolicy.defaults().withJitter(0).withMaxAttempts(2))
            .build();
    DaemonManager manager =
        DaemonManager.builder(DaemonRegistry.of(spec)).scheduler(time).clock(time.clock()).build();

    CompletableFuture<Void> started = manager.start(flaky);
    await().until(() -> manager.info(flaky).restartCount() == 1); // first crash, 1 s backoff
    time.advance(Duration.ofSeconds(1));
    await().until(() -> manager.info(flaky).restartCount() == 2); // second crash, 2 s backoff
    time.advance(Duration.ofSeconds(2));
    await().until(() -> manager.info(flaky).state() == FAILED); // third crash: budget spent

    assertThat(manager.history(flaky))
        .extracting(Transition::to)
        .containsExactly(STARTING, BACKOFF, STARTING, BACKOFF, STARTING, FAILED);
    assertThat(manager.history(flaky))
        .extracting(t -> t.at().toString())
        .containsExactly(
            "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:01Z", "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:03Z", "2026-01-01T00:00:03Z");
    assertThat(started).failsWithin(Duration.ofSeconds(5));
    assertThat(manager.shutdown(Duration.ofSeconds(5))).succeedsWithin(Duration.ofSeconds(5));
  }

  // end guide

  /** The text of the fenced code block that follows {@code marker}, one newline per line. */
  private static String fencedBlockAfter(String markdown, String marker) {
    List<String> lines = normalized(markdown).lines().toList();
    int at = lines.indexOf(marker);
    assertThat(at).as("marker %s in %s", marker, GUIDE).isNotNegative();
    assertThat(lines.get(at + 1)).as("line after %s", marker).startsWith("```");
    StringBuilder block = new StringBuilder();
    for (int i = at + 2; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
      block.append(lines.get(i)).append('\n');
    }
    return block.toString();
  }

  /** The lines between "// guide: NAME" and "// end guide", without their common indentation. */
  private static String region(List<String> source, String name) {
    int start = source.indexOf("  // guide: " + name);
    int end = source.indexOf("  // end guide");
    assertThat(start).as("region %s", name).isNotNegative().isLessThan(end);
    List<String> body = new ArrayList<>(source.subList(start + 1, end));
    while (body.get(body.size() - 1).isBlank()) {
      body.remove(body.size() - 1);
    }
    StringBuilder text = new StringBuilder();
    for (String line : body) {
      text.append(line.isBlank() ? "" : line.substring(2)).append('\n');
    }
    return text.toString();
  }

  private static long linesOfCode(List<String> source) {
    long count = 0;
    boolean inComment = false;
    for (String raw : source) {
      String line = raw.strip();
      if (inComment) {
        inComment = !line.contains("*/");
      } else if (line.startsWith("/*")) {
        inComment = !line.contains("*/");
      } else if (!line.isEmpty()
          && !line.startsWith("//")
          && !line.startsWith("package ")
          && !line.startsWith("import ")) {
        count++;
      }
    }
    return count;
  }

  private static String normalized(String text) {
    String unix = text.replace("\r\n", "\n");
    return unix.endsWith("\n") ? unix : unix + "\n";
  }
}
