package dev.vigil.launcher.cli;

import dev.vigil.rounds.fingerprint.Fingerprint;
import dev.vigil.rounds.fingerprint.Fingerprinter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code vigil fingerprint}: shows how messages group. Reads messages from standard input, one per
 * line (UTF-8; lines end at {@code \n}, a {@code \r} before it is dropped), and prints for each, in
 * order, {@code <fingerprint><TAB><template>}: exactly one output line per input line, an empty
 * line included. Each line is fingerprinted as a bare message (no service, type or stack), so
 * lines with one template share one fingerprint. Works offline; no node is needed.
 */
@Command(
    name = "fingerprint",
    description =
        "Print <fingerprint><TAB><template> for each message read from standard input, one"
            + " message per line, to check how errors group.")
final class FingerprintCommand implements Callable<Integer> {
  @ParentCommand Cli parent;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Override
  public Integer call() throws IOException {
    Fingerprinter fingerprinter = new Fingerprinter();
    PrintWriter out = parent.out();
    InputStream in = parent.in();
    ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    byte[] buffer = new byte[65536];
    boolean pending = false; // bytes after the last \n: a last line without its newline
    int n;
    while ((n = in.read(buffer)) > 0) {
      for (int i = 0; i < n; i++) {
        byte b = buffer[i];
        if (b == '\n') {
          print(out, fingerprinter, line);
          pending = false;
        } else {
          line.write(b);
          pending = true;
        }
      }
    }
    if (pending) {
      print(out, fingerprinter, line);
    }
    out.flush();
    return 0;
  }

  private static void print(PrintWriter out, Fingerprinter fingerprinter, ByteArrayOutputStream line) {
    String text = line.toString(StandardCharsets.UTF_8);
    if (text.endsWith("\r")) {
      text = text.substring(0, text.length() - 1);
    }
    line.reset();
    Fingerprint f = fingerprinter.fingerprint(null, null, text, null);
    out.print(f.hash());
    out.print('\t');
    out.print(f.template());
    out.print('\n'); // not println: the output is the same on every platform
  }
}
