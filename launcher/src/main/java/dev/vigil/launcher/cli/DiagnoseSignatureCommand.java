package dev.vigil.launcher.cli;

import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.investigation.Investigator;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil diagnose-signature ID}: investigates one signature now, whatever its triage, with
 * the configured backend, charged through the store's budget ledger like the daemon's calls, and
 * prints the stored diagnosis as one JSON object. Exit 0 diagnosed, 1 failed (the reason on
 * stderr and in the JSON) or not investigable (muted, resolved, leased), 78 bad settings.
 */
@Command(name = "diagnose-signature", description = "Diagnose one signature now and print the diagnosis as JSON.")
final class DiagnoseSignatureCommand implements Callable<Integer> {
  @ParentCommand Cli parent;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "The signature's id.")
  long id;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (RoundsModule module = SignaturesCommand.module(parent)) {
      Investigator.Result r = module.diagnosis().oneShot(System.err, (inv, sigs, diags) -> inv.investigateOne(id));
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("signature_id", id);
      doc.put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
      doc.put("diagnosis", r.diagnosis().map(SignaturesCommand::diagnosis).orElse(null));
      doc.put("investigation", SignaturesCommand.investigation(r.state()));
      out.println(SignaturesCommand.JSON.writeValueAsString(doc));
      if (r.outcome() != Investigator.Outcome.DIAGNOSED) {
        err.println("vigil diagnose-signature: " + r.outcome().name().toLowerCase(java.util.Locale.ROOT)
            + ": " + r.state().lastError());
        return Cli.NOT_OK;
      }
      return 0;
    } catch (IllegalStateException | StoreException e) {
      err.println("vigil diagnose-signature: " + e.getMessage());
      return Cli.NOT_OK;
    }
  }
}
