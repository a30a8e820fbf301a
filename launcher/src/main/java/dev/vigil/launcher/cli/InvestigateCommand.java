package dev.vigil.launcher.cli;

import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.investigation.Management;
import dev.vigil.rounds.investigation.ManagementJson;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil investigate}: runs one investigation cycle now on the store file (the due
 * signatures, as the DIAGNOSIS daemon's sweep would, under the same leases and budget ledger;
 * {@link Management#investigate}, as the node's HTTP API does) and prints what it did; a spent
 * budget is said on stderr. Exit 0, 1 when the store cannot be opened, 78 bad settings.
 */
@Command(name = "investigate", description = "Run one investigation cycle now.")
final class InvestigateCommand implements Callable<Integer> {
  @ParentCommand Cli parent;

  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String actor = "cli:" + System.getProperty("user.name", "unknown");
    try (RoundsModule module = SignaturesCommand.module(parent)) {
      Management.Cycle c = module.management(System.err).investigate(actor);
      if (json) {
        out.println(SignaturesCommand.JSON.writeValueAsString(ManagementJson.report(c.report())));
      } else {
        out.println(c.report().started() + " investigation(s), " + c.report().diagnosed() + " diagnosed");
      }
      if (!c.budgetText().isEmpty()) {
        err.println("vigil investigate: " + c.budgetText());
      }
      return 0;
    } catch (StoreException e) {
      err.println("vigil investigate: " + e.getMessage());
      return Cli.NOT_OK;
    }
  }
}
