package dev.vigil.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.vigil.core.DaemonType;
import dev.vigil.launcher.node.BadConfigException;
import dev.vigil.launcher.node.DaemonNames;
import dev.vigil.launcher.node.Node;
import dev.vigil.launcher.node.Plugins;
import dev.vigil.launcher.node.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code vigil} command line. It takes its streams and environment and returns an exit code;
 * only {@code Main} exits. Exit codes: 0 ok; 1 some daemon not running or unhealthy ({@code
 * --status}), or a request refused; 2 usage; 3 no node running; 78 bad configuration.
 */
@Command(
    name = "vigil",
    description = "Runs and controls a Vigil node: many supervised daemons in one JVM.",
    subcommands = {
      DiagnoseCommand.class,
      DiagnoseSignatureCommand.class,
      FingerprintCommand.class,
      InvestigateCommand.class,
      NotificationsCommand.class,
      ScanCommand.class,
      SignaturesCommand.class
    },
    versionProvider = Cli.Version.class,
    sortOptions = false)
public final class Cli implements Callable<Integer> {
  /** Exit code: some daemon is not running or unhealthy, or the node refused a request. */
  public static final int NOT_OK = 1;
  /** Exit code: the command line was wrong. */
  public static final int USAGE = 2;
  /** Exit code: no node answers. */
  public static final int NOT_RUNNING = 3;
  /** Exit code: the configuration is bad (sysexits EX_CONFIG). */
  public static final int BAD_CONFIG = 78;

  @Option(names = "--all", description = "Run the profile's daemons in the foreground.")
  boolean all;

  @Option(
      names = "--daemons",
      split = ",",
      paramLabel = "NAME",
      description = "Run only these daemons (and what they depend on) in the foreground.")
  List<String> daemons;

  @Option(names = "--status", description = "Show the running node's daemons.")
  boolean status;

  @Option(names = "--json", description = "With --status: print the status as one JSON document.")
  boolean json;

  @Option(names = "--stop", description = "Stop the running node and wait until it is gone.")
  boolean stop;

  @Option(
      names = "--profile",
      paramLabel = "P",
      description = "The role profile to run (default: ${DEFAULT-VALUE}).",
      defaultValue = "standalone")
  String profile;

  @Option(names = "--profile-file", paramLabel = "FILE", description = "A profile file to run.")
  Path profileFile;

  @Option(names = "--config", paramLabel = "FILE", description = "A HOCON file of settings.")
  Path config;

  @Option(
      names = "--classpath",
      split = ":",
      paramLabel = "PATH",
      description = "Jars or class directories of plug-in daemons (besides the installation's lib/).")
  List<Path> classpath = new ArrayList<>();

  @Option(names = "--url", paramLabel = "URL", description = "The running node's HTTP address.")
  String url;

  @Option(names = "--token-file", paramLabel = "FILE", description = "The control API token.")
  Path tokenFile;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version.")
  boolean versionRequested;

  private final InputStream in;
  private final PrintWriter out;
  private final PrintWriter err;
  private final Map<String, String> env;
  private final Path home;

  Cli(InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env, Path home) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.env = env;
    this.home = home;
  }

  /**
   * Runs {@code args}.
   *
   * @param home where the built-in {@code profiles/} directory is (the installation)
   * @return the exit code
   */
  public static int run(
      String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, Path home) {
    return run(args, System.in, out, err, env, home);
  }

  /**
   * Runs {@code args} with {@code in} as standard input (for commands that read it, such as
   * {@code vigil fingerprint}).
   *
   * @param home where the built-in {@code profiles/} directory is (the installation)
   * @return the exit code
   */
  public static int run(
      String[] args,
      InputStream in,
      PrintWriter out,
      PrintWriter err,
      Map<String, String> env,
      Path home) {
    Cli cli = new Cli(in, out, err, env, home);
    CommandLine line = new CommandLine(cli);
    line.setOut(out);
    line.setErr(err);
    line.setCaseInsensitiveEnumValuesAllowed(true);
    line.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof NodeClient.NotRunningException notRunning) {
            err.println(notRunning.getMessage());
            return NOT_RUNNING;
          }
          if (e instanceof BadConfigException bad) {
            err.println("vigil: bad configuration:");
            bad.problems().forEach(p -> err.println("  " + p));
            return BAD_CONFIG;
          }
          err.println("vigil: " + e.getMessage());
          return NOT_OK;
        });
    int code = line.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /**
   * {@code vigil --status [--json]} as {@link #run} would answer it, without building the
   * command line: the same output and exit codes, for the launcher's quick path.
   */
  public static int quickStatus(
      boolean json, PrintWriter out, PrintWriter err, Map<String, String> env, Path home) {
    Cli cli = new Cli(InputStream.nullInputStream(), out, err, env, home);
    cli.status = true;
    cli.json = json;
    try {
      return cli.status();
    } catch (NodeClient.NotRunningException e) {
      err.println(e.getMessage());
      return NOT_RUNNING;
    } catch (RuntimeException e) {
      err.println("vigil: " + e.getMessage());
      return NOT_OK;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Standard input, for subcommands that read it. */
  InputStream in() {
    return in;
  }

  /** Standard output, for subcommands: their result and nothing else. */
  PrintWriter out() {
    return out;
  }

  /** Standard error, for subcommands: diagnostics. */
  PrintWriter err() {
    return err;
  }

  @Override
  public Integer call() {
    if (json && !status) {
      err.println("vigil: --json goes with --status (vigil --status --json)");
      return USAGE;
    }
    int modes = (all ? 1 : 0) + (daemons != null ? 1 : 0) + (status ? 1 : 0) + (stop ? 1 : 0);
    if (modes != 1) {
      err.println("vigil: give exactly one of --all, --daemons, --status, --stop, or a command");
      new CommandLine(this).usage(err);
      return USAGE;
    }
    if (status) {
      return status();
    }
    if (stop) {
      return stopNode();
    }
    Settings settings = Settings.load(profilePath(), config, env);
    List<String> names = daemons != null ? daemons : settings.profileDaemons();
    return prepare(settings).run(names);
  }

  /** A node of {@code settings}, its daemon catalog loaded and checked. */
  private Node prepare(Settings settings) {
    String profileName = profileFile != null ? profileFile.getFileName().toString() : profile;
    Plugins plugins = Plugins.of(classpath, home.resolve("lib"));
    return Node.prepare(settings, plugins, env, profileName, out, err);
  }

  /** The merged configuration {@code --all} would run with (for commands reading module settings). */
  Config effectiveConfig() {
    return Settings.effective(profilePath(), config, env);
  }

  Path profilePath() {
    if (profileFile != null) {
      return profileFile;
    }
    Path file = profileDir().resolve(profile + ".conf");
    if (!Files.isRegularFile(file)) {
      throw new BadConfigException(
          List.of("profile '" + profile + "' not found: no file " + file.toAbsolutePath()));
    }
    return file;
  }

  /** Where the role profiles are: {@code VIGIL_PROFILE_DIR}, else the installation's. */
  private Path profileDir() {
    return env.containsKey("VIGIL_PROFILE_DIR")
        ? Path.of(env.get("VIGIL_PROFILE_DIR"))
        : home.resolve("profiles");
  }

  /** The process environment, for subcommands. */
  Map<String, String> env() {
    return env;
  }

  /**
   * A client of the running node. Its state directory comes from the environment ({@code
   * VIGIL_STATE_DIR}, else {@code .vigil}), or, when {@code --config} or {@code --profile-file} is
   * given, from the settings as the node would read them; the plain case parses no configuration,
   * so {@code vigil --status} starts fast.
   */
  NodeClient client() {
    Path stateDir =
        config != null || profileFile != null
            ? Settings.load(profilePath(), config, env).stateDir()
            : Path.of(env.getOrDefault("VIGIL_STATE_DIR", ".vigil"));
    return NodeClient.locate(url, tokenFile, stateDir, env);
  }

  private int status() {
    NodeClient.Response response = client().get("/status");
    if (response.status() != 200) {
      err.println("vigil: the node answered " + response.status() + ": " + response.body());
      return NOT_OK;
    }
    JsonNode doc = response.json();
    if (json) {
      out.println(response.body().strip());
    } else {
      for (JsonNode d : doc.path("daemons")) {
        out.println(StatusLine.of(d));
      }
    }
    for (JsonNode d : doc.path("daemons")) {
      if (!"RUNNING".equals(d.path("state").asText())
          || "unhealthy".equals(d.path("health").path("status").asText())) {
        return NOT_OK;
      }
    }
    return 0;
  }

  private int stopNode() {
    NodeClient client = client();
    NodeClient.Response response;
    try {
      response = client.post("/api/shutdown");
    } catch (NodeClient.NotRunningException e) {
      out.println(e.getMessage()); // like systemctl stop: nothing to stop is not an error
      return 0;
    }
    if (response.status() != 202) {
      err.println("vigil: the node refused to stop: " + response.status() + " " + response.body());
      return NOT_OK;
    }
    err.println("vigil: stopping the node at " + client.base() + " ...");
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        client.get("/health");
        Thread.sleep(100); // polling a process we do not own: nothing to wait on but time
      } catch (NodeClient.NotRunningException gone) {
        out.println("vigil stopped");
        return 0;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return NOT_OK;
      }
    }
    err.println("vigil: the node at " + client.base() + " is still answering after 10 minutes");
    return NOT_OK;
  }

  @Command(name = "start", description = "Start a daemon of the running node.")
  int start(@Parameters(paramLabel = "NAME", description = "The daemon (any case).") String name) {
    return control(name, "start");
  }

  @Command(name = "stop", description = "Stop a daemon (and its dependents) of the running node.")
  int stop(@Parameters(paramLabel = "NAME", description = "The daemon (any case).") String name) {
    return control(name, "stop");
  }

  @Command(name = "restart", description = "Restart a daemon of the running node.")
  int restart(@Parameters(paramLabel = "NAME", description = "The daemon (any case).") String name) {
    return control(name, "restart");
  }

  @Command(name = "reset", description = "Clear a FAILED daemon of the running node.")
  int reset(@Parameters(paramLabel = "NAME", description = "The daemon (any case).") String name) {
    return control(name, "reset");
  }

  @Command(name = "version", description = "Print the version.")
  int version() {
    out.println(new Version().getVersion()[0]);
    return 0;
  }

  /** What {@code vigil version} and {@code vigil --version} print. */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"vigil " + Node.version()};
    }
  }

  @Command(
      name = "profiles",
      description = "List the role profiles with their daemons and what each is for.")
  int profiles(
      @Option(names = "--json", description = "Print the list as one JSON document.")
          boolean asJson,
      @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
          boolean helpOnly)
      throws IOException {
    Path dir = profileDir();
    if (!Files.isDirectory(dir)) {
      throw new BadConfigException(
          List.of("profile directory " + dir.toAbsolutePath() + " does not exist"));
    }
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files =
          listing
              .filter(f -> f.getFileName().toString().endsWith(".conf") && Files.isRegularFile(f))
              .sorted()
              .toList();
    }
    List<String> problems = new ArrayList<>();
    List<Map<String, Object>> listed = new ArrayList<>();
    List<String> always = DaemonNames.ALWAYS.stream().map(DaemonType::name).toList();
    for (Path file : files) {
      String name = file.getFileName().toString().replaceFirst("\\.conf$", "");
      List<String> own;
      try {
        // the profile alone, as --all would read it, without this process's environment
        own = Settings.load(file, null, Map.of()).profileDaemons();
      } catch (BadConfigException e) {
        e.problems().forEach(p -> problems.add("profile " + name + ": " + p));
        continue;
      }
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", name);
      entry.put("file", file.toAbsolutePath().normalize().toString());
      entry.put("description", description(file, name));
      entry.put("daemons", own);
      entry.put("always", always);
      listed.add(entry);
    }
    if (asJson) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("directory", dir.toAbsolutePath().normalize().toString());
      doc.put("profiles", listed);
      out.println(new ObjectMapper().writeValueAsString(doc));
    } else if (listed.isEmpty() && problems.isEmpty()) {
      out.println("no profiles in " + dir.toAbsolutePath().normalize());
    } else {
      int width = listed.stream().mapToInt(e -> e.get("name").toString().length()).max().orElse(0);
      for (Map<String, Object> e : listed) {
        @SuppressWarnings("unchecked")
        List<String> own = (List<String>) e.get("daemons");
        String pad = " ".repeat(width - e.get("name").toString().length() + 2);
        out.println(e.get("name") + pad + e.get("description"));
        out.println(
            " ".repeat(width + 2)
                + "daemons: "
                + (own.isEmpty() ? "none of its own" : String.join(", ", own))
                + "; always "
                + String.join(", ", always));
      }
    }
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    return 0;
  }

  /** The first comment line of a profile file, without the comment mark and a leading "name:". */
  private static String description(Path file, String name) throws IOException {
    for (String line : Files.readAllLines(file)) {
      String text = line.strip();
      if (text.startsWith("#") || text.startsWith("//")) {
        text = text.replaceFirst("^(#|//)+", "").strip();
        if (text.startsWith(name + ":")) {
          text = text.substring(name.length() + 1).strip();
        }
        if (!text.isEmpty()) {
          return text;
        }
      }
    }
    return "";
  }

  @Command(
      name = "validate",
      description =
          "Check the configuration --all would run with (profile, --config, environment) and the"
              + " profile's daemon names, without running anything.")
  int validate(
      @Option(
              names = "--show-config",
              description = "Also print the effective vigil settings, secrets redacted.")
          boolean showConfig,
      @Option(names = "--profile", paramLabel = "P", description = "The role profile to check.")
          String profileOption,
      @Option(names = "--profile-file", paramLabel = "FILE", description = "A profile file.")
          Path profileFileOption,
      @Option(names = "--config", paramLabel = "FILE", description = "A HOCON file of settings.")
          Path configOption,
      @Option(
              names = "--classpath",
              split = ":",
              paramLabel = "PATH",
              description = "Jars or class directories of plug-in daemons.")
          List<Path> classpathOption,
      @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
          boolean helpOnly) {
    // given before or after the command name, they mean the same as for --all
    if (profileOption != null) {
      profile = profileOption;
    }
    if (profileFileOption != null) {
      profileFile = profileFileOption;
    }
    if (configOption != null) {
      config = configOption;
    }
    if (classpathOption != null) {
      classpath.addAll(classpathOption);
    }
    Settings.Sources sources = Settings.sources(profilePath(), config, env);
    List<String> problems = new ArrayList<>();
    List<String> names = List.of();
    try {
      Settings settings = Settings.from(sources);
      names = settings.profileDaemons();
      prepare(settings).catalog().resolve(names);
    } catch (BadConfigException e) {
      problems.addAll(e.problems());
    }
    Config effective = sources.merged();
    if (showConfig) {
      out.print(Settings.render(effective));
      out.flush();
    }
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    List<String> always = DaemonNames.ALWAYS.stream().map(DaemonType::name).toList();
    List<String> own =
        names.stream()
            .map(n -> n.strip().toUpperCase(Locale.ROOT))
            .filter(n -> !always.contains(n))
            .distinct()
            .toList();
    String profileName = profileFile != null ? profileFile.getFileName().toString() : profile;
    String verdict =
        "configuration ok: profile "
            + profileName
            + ", daemons "
            + (own.isEmpty()
                ? String.join(", ", always) + " (built-ins only)"
                : String.join(", ", own) + " + built-ins " + String.join(", ", always));
    // with --show-config, stdout is the configuration alone
    (showConfig ? err : out).println(verdict);
    return 0;
  }

  /** One-daemon commands are clients of the running node's control API. */
  private int control(String name, String action) {
    String daemon = name.toUpperCase(Locale.ROOT);
    NodeClient.Response r = client().post("/api/daemons/" + daemon + "/" + action);
    switch (r.status()) {
      case 202 -> {
        out.println(daemon + ": " + action + " requested");
        return 0;
      }
      case 401 -> err.println("vigil: not authorised: the token does not match the node's");
      case 404 -> {
        err.println("vigil: " + r.json().path("message").asText(r.body()));
        return USAGE;
      }
      default -> err.println("vigil: " + r.json().path("message").asText(r.body()));
    }
    return NOT_OK;
  }
}
