package dev.vigil.launcher;

import dev.vigil.launcher.cli.Cli;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The {@code vigil} command's entry point: the only place that calls {@link System#exit}. */
public final class Main {
  private Main() {}

  /**
   * Runs the command line and exits with its code. The installation directory (with {@code
   * profiles/}) comes from the {@code vigil.home} system property, which {@code scripts/vigil}
   * sets, else the working directory.
   */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    // logback picks its appender by this variable when the first logger is made; any other value
    // would leave every log line without an appender, so it is refused before that
    String format = System.getenv("VIGIL_LOG_FORMAT");
    if (format != null && !format.isBlank() && !format.equals("text") && !format.equals("json")) {
      err.println("vigil: bad configuration:");
      err.println(
          "  VIGIL_LOG_FORMAT = \"" + format + "\" (from the environment) must be text or json");
      System.exit(Cli.BAD_CONFIG);
    }
    Path home = Path.of(System.getProperty("vigil.home", "."));
    // the command operators and scripts run most, answered without the option parser (picocli
    // costs half of this JVM's start-up); any other argument goes the general way
    List<String> given = List.of(args);
    if (given.equals(List.of("--status")) || given.equals(List.of("--status", "--json"))) {
      System.exit(Cli.quickStatus(given.size() == 2, out, err, System.getenv(), home));
    }
    System.exit(Cli.run(args, out, err, System.getenv(), home));
  }
}
