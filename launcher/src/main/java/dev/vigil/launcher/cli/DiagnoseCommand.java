package dev.vigil.launcher.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.vigil.launcher.node.BadConfigException;
import dev.vigil.launcher.node.Settings;
import dev.vigil.sandbox.Diagnosis;
import dev.vigil.sandbox.SandboxHealthModule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code vigil diagnose}: runs the sandbox-health probes once, in dependency order, and prints each
 * result and, per symptom of the decision tree, the likely cause and fix. With {@code --url} it
 * reads the running node's {@code GET /status} instead and shows the {@code SANDBOX_HEALTH} daemon's
 * latest results with their history.
 *
 * <p>Exit codes: 0 no required probe unhealthy (degraded and unknown are printed, not failed); 1 a
 * required probe unhealthy, or the node has no results to show; 2 usage (an unknown symptom); 3 no
 * node answers at {@code --url}; 78 bad configuration or probe file.
 */
@Command(
    name = "diagnose",
    description =
        "Run the sandbox-health probes once (or read the running node's latest results with"
            + " --url) and print, per symptom, the likely cause and fix.")
final class DiagnoseCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParentCommand Cli parent;

  @Option(names = "--symptom", paramLabel = "NAME", description = "Only this symptom and its probes.")
  String symptom;

  @Option(names = "--json", description = "Print the report as one JSON document.")
  boolean json;

  @Option(names = "--probes", paramLabel = "FILE", description = "Run the probes of this file instead of the configured ones.")
  Path probes;

  @Option(names = "--url", paramLabel = "URL", description = "Show the latest results of the node at URL.")
  String url;

  @Option(names = "--profile", paramLabel = "P", description = "The role profile whose probes to run.")
  String profile;

  @Option(names = "--profile-file", paramLabel = "FILE", description = "A profile file.")
  Path profileFile;

  @Option(names = "--config", paramLabel = "FILE", description = "A HOCON file of settings.")
  Path config;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Override
  public Integer call() throws Exception {
    // given before or after the command name, they mean the same as for --all
    if (profile != null) {
      parent.profile = profile;
    }
    if (profileFile != null) {
      parent.profileFile = profileFile;
    }
    if (config != null) {
      parent.config = config;
    }
    if (url != null) {
      parent.url = url;
    }
    if (parent.url != null) {
      if (probes != null) {
        parent.err().println("vigil: --probes runs probes here; it does not go with --url");
        return Cli.USAGE;
      }
      return fromNode();
    }
    return once();
  }

  private int once() throws InterruptedException, JsonProcessingException {
    PrintWriter err = parent.err();
    Config effective = Settings.effective(profilePath(), parent.config, parent.env());
    SandboxHealthModule module;
    try {
      module = SandboxHealthModule.create(
          effective, parent.env(), Path.of("").toAbsolutePath(), Optional.ofNullable(probes));
    } catch (ConfigException e) {
      err.println("vigil: bad probe configuration:");
      if (e instanceof ConfigException.ValidationFailed failed) {
        for (ConfigException.ValidationProblem p : failed.problems()) {
          String where = p.origin() == null ? "" : p.origin().description() + ": ";
          err.println("  " + where + p.path() + ": " + p.problem());
        }
      } else {
        err.println("  " + e.getMessage());
      }
      return Cli.BAD_CONFIG;
    }
    if (symptom != null && !module.symptomIds().contains(symptom)) {
      err.println("vigil: no symptom '" + symptom + "'; known: "
          + (module.symptomIds().isEmpty() ? "none" : String.join(", ", module.symptomIds())));
      return Cli.USAGE;
    }
    if (module.probeIds().isEmpty()) {
      err.println("vigil: no probes declared: set vigil.daemons.SANDBOX_HEALTH.probes-file (or"
          + " SANDBOX_PROBES_FILE), or give --probes FILE");
    }
    err.println("vigil: running " + module.probeIds().size() + " probe(s) ...");
    err.flush();
    Diagnosis diagnosis = module.diagnose(Optional.ofNullable(symptom));
    print(diagnosis, false);
    return diagnosis.requiredUnhealthy() ? Cli.NOT_OK : 0;
  }

  /**
   * The profile the node would run; with {@code --probes} and no profile named, none is needed
   * (a probe file may stand alone), so a missing default profile is no error.
   */
  private Path profilePath() {
    try {
      return parent.profilePath();
    } catch (BadConfigException e) {
      if (probes != null && profile == null && profileFile == null && parent.profileFile == null) {
        return null;
      }
      throw e;
    }
  }

  private int fromNode() throws JsonProcessingException {
    PrintWriter err = parent.err();
    NodeClient client = parent.client();
    NodeClient.Response response = client.get("/status");
    if (response.status() != 200) {
      err.println("vigil: the node answered " + response.status() + ": " + response.body());
      return Cli.NOT_OK;
    }
    JsonNode daemon = null;
    for (JsonNode d : response.json().path("daemons")) {
      if (SandboxHealthModule.SANDBOX_HEALTH.name().equals(d.path("name").asText())) {
        daemon = d;
      }
    }
    if (daemon == null) {
      err.println("vigil: the node at " + client.base() + " does not run "
          + SandboxHealthModule.SANDBOX_HEALTH.name());
      return Cli.NOT_OK;
    }
    JsonNode details = daemon.path("health").path("details");
    if (!details.has("probes")) {
      err.println("vigil: " + SandboxHealthModule.SANDBOX_HEALTH.name() + " is " + daemon.path("state").asText()
          + " and has no results yet (health " + daemon.path("health").path("status").asText() + ": "
          + daemon.path("health").path("message").asText() + ")");
      return Cli.NOT_OK;
    }
    Diagnosis diagnosis =
        Diagnosis.fromJson(JSON.convertValue(details, new TypeReference<Map<String, Object>>() {}));
    if (symptom != null) {
      if (!diagnosis.symptomIds().contains(symptom)) {
        err.println("vigil: no symptom '" + symptom + "'; known: "
            + (diagnosis.symptomIds().isEmpty() ? "none" : String.join(", ", diagnosis.symptomIds())));
        return Cli.USAGE;
      }
      diagnosis = diagnosis.only(symptom);
    }
    print(diagnosis, true);
    return diagnosis.requiredUnhealthy() ? Cli.NOT_OK : 0;
  }

  private void print(Diagnosis diagnosis, boolean history) throws JsonProcessingException {
    PrintWriter out = parent.out();
    if (json) {
      out.println(JSON.writeValueAsString(diagnosis.toJson()));
    } else {
      out.print(diagnosis.toText(history));
    }
    out.flush();
  }
}
