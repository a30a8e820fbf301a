package dev.vigil.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rounds.fingerprint.Fingerprinter;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil fingerprint}, in process, stdin from memory. */
class FingerprintCommandTest {
  @TempDir Path home;

  record Result(int exit, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : List.of(out.split("\n", -1)).subList(0, out.split("\n", -1).length - 1);
    }
  }

  private Result fingerprint(String stdin, String... extra) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args = new String[extra.length + 1];
    args[0] = "fingerprint";
    System.arraycopy(extra, 0, args, 1, extra.length);
    int exit =
        Cli.run(
            args,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out),
            new PrintWriter(err),
            Map.of(),
            home);
    return new Result(exit, out.toString(), err.toString());
  }

  private static String hashOf(String message) {
    return new Fingerprinter().fingerprint(null, null, message, null).hash();
  }

  @Test
  void printsFingerprintTabTemplateForEachLineInOrder() {
    Result r =
        fingerprint(
            "user 3fa85f64-5717-4562-b3fc-2c963f66afa6 not found\n"
                + "\n"
                + "timeout after 250ms talking to 10.0.0.7:5432\r\n"
                + "user 0b6e2a3c-1d4e-4f5a-8b9c-0d1e2f3a4b5c not found\n"
                + "café fermé à 10:42");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.lines())
        .containsExactly(
            hashOf("user x not found".replace("x", "3fa85f64-5717-4562-b3fc-2c963f66afa6")) + "\tuser <uuid> not found",
            hashOf("") + "\t",
            hashOf("timeout after 1s talking to 10.0.0.8:1") + "\ttimeout after <num> talking to <host>:<num>",
            hashOf("user 3fa85f64-5717-4562-b3fc-2c963f66afa6 not found") + "\tuser <uuid> not found",
            hashOf("café fermé à 11:00") + "\tcafé fermé à <ts>");
    assertThat(r.lines().get(0)).isEqualTo(r.lines().get(3));
    assertThat(r.lines()).allSatisfy(line -> assertThat(line).matches("[0-9a-f]{16}\t.*"));
  }

  @Test
  void emptyLinesEachGetALineAndEmptyInputGetsNone() {
    assertThat(fingerprint("\n\n\n").lines()).hasSize(3);
    Result none = fingerprint("");
    assertThat(none.exit()).isZero();
    assertThat(none.out()).isEmpty();
  }

  @Test
  void helpIsUsageNotWork() {
    Result r = fingerprint("ignored\n", "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("Usage: vigil fingerprint");
  }
}
