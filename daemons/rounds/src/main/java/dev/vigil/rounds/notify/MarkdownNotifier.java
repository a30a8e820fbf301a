package dev.vigil.rounds.notify;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes one Markdown file per diagnosis under {@code <dir>/YYYY-MM-DD/} (UTC days) and keeps an
 * index of the open signatures ({@code index.md}, with its data in {@code index.json}; a
 * recurrence updates its row's count and last occurrence, a resolution removes it). Every file
 * is written to a temporary file in the same directory and renamed over the old one, so a reader
 * (or a crash) never sees half a file.
 */
public final class MarkdownNotifier implements Notifier {
  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Path dir;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One line of the index.
   *
   * @param id the signature id
   * @param headline its type and template
   * @param service its service
   * @param occurrences the count last told
   * @param lastSeen the last occurrence last told
   * @param status {@code diagnosed} or {@code regressed}
   * @param confidence the latest diagnosis' confidence, or empty
   * @param report the latest report, relative to the output directory, or empty
   */
  record Entry(
      long id, String headline, String service, long occurrences, String lastSeen, String status,
      String confidence, String report) {}

  /** A notifier writing under {@code dir} (created when missing), dating files by {@code clock}. */
  public MarkdownNotifier(Path dir, Clock clock) {
    this.dir = dir;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "markdown";
  }

  @Override
  public synchronized void send(Notification n) throws NotificationException {
    try {
      Files.createDirectories(dir);
      Map<Long, Entry> index = readIndex();
      SignatureFacts s = n.signature();
      Entry old = index.get(s.id());
      switch (n) {
        case Notification.Diagnosed d -> {
          Instant now = clock.instant();
          Path day = dir.resolve(DAY.format(now));
          Files.createDirectories(day);
          String file = "signature-" + s.id() + "-" + STAMP.format(now) + ".md";
          writeAtomically(day.resolve(file), DiagnosisText.markdown(s, d.diagnosis()));
          index.put(s.id(), entry(s, old != null && old.status().equals("regressed") ? "regressed" : "diagnosed",
              d.diagnosis().confidence().wireName(), DAY.format(now) + "/" + file));
        }
        // the index row carries the new count and last occurrence; no new report file
        case Notification.Recurred r ->
            index.put(s.id(), old == null
                ? entry(s, "diagnosed", "", "")
                : entry(s, old.status(), old.confidence(), old.report()));
        case Notification.Resolved r -> index.remove(s.id());
        case Notification.Regressed r ->
            index.put(s.id(), entry(s, "regressed",
                old == null ? "" : old.confidence(), old == null ? "" : old.report()));
      }
      writeIndex(index);
    } catch (IOException e) {
      throw NotificationException.transientFailure(
          "cannot write the markdown report under " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Entry entry(SignatureFacts s, String status, String confidence, String report) {
    return new Entry(s.id(), s.headline(), s.service(), s.occurrenceCount(),
        DateTimeFormatter.ISO_INSTANT.format(s.lastSeen()), status, confidence, report);
  }

  private Map<Long, Entry> readIndex() throws IOException {
    Path p = dir.resolve("index.json");
    if (!Files.exists(p)) {
      return new TreeMap<>();
    }
    return new TreeMap<>(json.readValue(p.toFile(), new TypeReference<Map<Long, Entry>>() {}));
  }

  private void writeIndex(Map<Long, Entry> index) throws IOException {
    writeAtomically(dir.resolve("index.json"), json.writeValueAsString(index));
    StringBuilder b = new StringBuilder("# Open signatures\n\n");
    if (index.isEmpty()) {
      b.append("None.\n");
    } else {
      b.append("| id | service | error | occurrences | last seen | status | confidence | report |\n");
      b.append("|---|---|---|---|---|---|---|---|\n");
      for (Entry e : index.values()) {
        b.append("| ").append(e.id()).append(" | ").append(cell(e.service())).append(" | ")
            .append(cell(e.headline())).append(" | ").append(e.occurrences()).append(" | ")
            .append(DiagnosisText.time(java.time.Instant.parse(e.lastSeen()))).append(" | ").append(e.status()).append(" | ")
            .append(e.confidence()).append(" | ")
            .append(e.report().isEmpty() ? "" : "[report](" + e.report() + ")").append(" |\n");
      }
    }
    writeAtomically(dir.resolve("index.md"), b.toString());
  }

  private static String cell(String text) {
    String flat = text.replace('\n', ' ').replace("|", "\\|");
    return flat.length() <= 120 ? flat : flat.substring(0, 117) + "...";
  }

  static void writeAtomically(Path target, String content) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
