package dev.vigil.launcher;

import dev.vigil.launcher.cli.Cli;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

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
    System.exit(Cli.run(args, out, err, System.getenv(), home));
  }
}
