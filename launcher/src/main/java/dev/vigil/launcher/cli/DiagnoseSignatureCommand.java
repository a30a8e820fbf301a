package dev.vigil.launcher.cli;

import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.investigation.Investigator;
import dev.vigil.rounds.investigation.Management;
import dev.vigil.rounds.investigation.ManagementJson;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil diagnose-signature ID}: investigates one signature now, whatever its triage, with
 * the configured backend, charged through the store's budget ledger like the daemon's calls
 * ({@link Management#diagnose}, as the node's HTTP API does), and prints the stored diagnosis as
 * one JSON object. Exit 0 diagnosed, 1 failed (the reason on stderr and in the JSON), no such
 * signature or not investigable (muted, resolved, leased), 78 bad settings.
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
    String actor = "cli:" + System.getProperty("user.name", "unknown");
    try (RoundsModule module = SignaturesCommand.module(parent)) {
      Management.Answer<Investigator.Result> answer = module.management(System.err).diagnose(id, actor);
      switch (answer) {
        case Management.Answer.NotFound<Investigator.Result> none -> {
          err.println("vigil diagnose-signature: no signature " + id);
          return Cli.NOT_OK;
        }
        case Management.Answer.Refused<Investigator.Result> refused -> {
          err.println("vigil diagnose-signature: " + refused.message());
          return Cli.NOT_OK;
        }
        case Management.Answer.Done<Investigator.Result> done -> {
          Investigator.Result r = done.value();
          out.println(SignaturesCommand.JSON.writeValueAsString(ManagementJson.diagnosis(id, r)));
          if (r.outcome() != Investigator.Outcome.DIAGNOSED) {
            err.println("vigil diagnose-signature: " + r.outcome().name().toLowerCase(Locale.ROOT)
                + ": " + r.state().lastError());
            return Cli.NOT_OK;
          }
          return 0;
        }
      }
    } catch (StoreException e) {
      err.println("vigil diagnose-signature: " + e.getMessage());
      return Cli.NOT_OK;
    }
  }
}
