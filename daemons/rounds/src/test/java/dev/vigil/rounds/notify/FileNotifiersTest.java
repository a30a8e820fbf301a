package dev.vigil.rounds.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rounds.MutableClock;
import dev.vigil.rounds.diagnosis.Confidence;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileNotifiersTest {
  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T12:00:05Z"));

  @Test
  void markdownWritesOneFilePerDiagnosisUnderItsDayAndAnIndexOfOpenSignatures() throws Exception {
    MarkdownNotifier md = new MarkdownNotifier(dir.resolve("diagnoses"), clock);
    md.send(Fixtures.diagnosed(42));
    clock.advance(Duration.ofHours(13)); // the next UTC day
    md.send(new Notification.Diagnosed(Fixtures.signature(7, 3), Fixtures.diagnosis(Confidence.LOW)));
    md.send(Fixtures.diagnosed(42));
    Path out = dir.resolve("diagnoses");
    Path first = out.resolve("2026-03-14/signature-42-20260314T120005Z.md");
    assertThat(Files.readString(first))
        .startsWith("# java.lang.IllegalStateException: cart is empty\n\n- **Service:** checkout\n"
            + "- **Signature:** #42 (`002a9f2c4e1a7b3d`)\n")
        .contains("- **Confidence:** high\n")
        .contains("## Evidence\n\n- OrderService.java:42 throws when items is empty\n");
    assertThat(out.resolve("2026-03-15/signature-42-20260315T010005Z.md")).exists();
    assertThat(out.resolve("2026-03-15/signature-7-20260315T010005Z.md")).exists();
    String index = Files.readString(out.resolve("index.md"));
    assertThat(index)
        .contains("| 7 | checkout | java.lang.IllegalStateException: cart is empty | 3 |")
        .contains("| 42 | checkout | java.lang.IllegalStateException: cart is empty | 17 |"
            + " 2026-03-14T11:26:53Z | diagnosed | high | [report](2026-03-15/signature-42-20260315T010005Z.md) |");
    md.send(new Notification.Resolved(Fixtures.signature(42, 17), ""));
    assertThat(Files.readString(out.resolve("index.md"))).doesNotContain("| 42 |").contains("| 7 |");
    md.send(new Notification.Regressed(Fixtures.signature(42, 18)));
    assertThat(Files.readString(out.resolve("index.md"))).contains("| 42 | checkout").contains("| 18 |")
        .contains("| regressed |");
    // no temporary file is left behind
    try (Stream<Path> all = Files.walk(out)) {
      assertThat(all.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
    }
    // a new notifier over the same directory keeps the index
    new MarkdownNotifier(out, clock).send(new Notification.Resolved(Fixtures.signature(7, 3), ""));
    assertThat(Files.readString(out.resolve("index.md"))).contains("| 42 |").doesNotContain("| 7 |");
  }

  @Test
  void aRecurrenceUpdatesTheIndexRowWithoutANewReport() throws Exception {
    Path out = dir.resolve("diagnoses");
    MarkdownNotifier md = new MarkdownNotifier(out, clock);
    md.send(Fixtures.diagnosed(42));
    clock.advance(Duration.ofHours(2));
    md.send(new Notification.Recurred(Fixtures.signature(42, 30), 17));
    assertThat(Files.readString(out.resolve("index.md")))
        .contains("| 42 | checkout | java.lang.IllegalStateException: cart is empty | 30 |"
            + " 2026-03-14T11:26:53Z | diagnosed | high | [report](2026-03-14/signature-42-20260314T120005Z.md) |");
    try (Stream<Path> reports = Files.list(out.resolve("2026-03-14"))) {
      assertThat(reports).hasSize(1);
    }
    // a signature the index does not know (markdown enabled after its diagnosis) gets a row
    md.send(new Notification.Recurred(Fixtures.signature(8, 5), 4));
    assertThat(Files.readString(out.resolve("index.md"))).contains("| 8 | checkout |").contains("| 5 |");
  }

  @Test
  void stdoutSaysHowManyAndSinceWhen() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new StdoutNotifier(new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .send(new Notification.Recurred(Fixtures.signature(42, 30), 17));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(
        "vigil: signature 42 (java.lang.IllegalStateException: cart is empty) seen again: 30 occurrences,"
            + " 13 since the last notice (first 2026-03-14T09:26:53Z, last 2026-03-14T11:26:53Z)\n");
  }

  @Test
  void anUnwritableDirectoryIsATransientFailure() throws Exception {
    Path file = dir.resolve("not-a-dir");
    Files.writeString(file, "x");
    MarkdownNotifier md = new MarkdownNotifier(file, clock);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> md.send(Fixtures.diagnosed(1)))
        .isInstanceOfSatisfying(NotificationException.class, e -> {
          assertThat(e.retryable()).isTrue();
          assertThat(e.getMessage()).startsWith("cannot write the markdown report under " + file);
        });
  }

  @Test
  void stdoutPrintsOneBlockPerDiagnosis() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StdoutNotifier out = new StdoutNotifier(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    out.send(Fixtures.diagnosed(42));
    out.send(new Notification.Resolved(Fixtures.signature(42, 17), "validated the cart"));
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            """
            === vigil diagnosis: signature 42 (checkout) ===
            java.lang.IllegalStateException: cart is empty
            occurrences: 17 (first 2026-03-14T09:26:53Z, last 2026-03-14T11:26:53Z)
            confidence: high  model: claude-sonnet-4-5  cost: 0.00423 USD  duration: 2.1 s
            root cause: OrderService.place is called with an empty cart
            evidence:
              - OrderService.java:42 throws when items is empty
            suggested fix: Reject empty carts in CheckoutController
            vigil: signature 42 resolved: validated the cart
            """);
  }
}
