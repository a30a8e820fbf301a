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
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil investigate}: runs one investigation cycle now on the store file (the due
 * signatures, as the DIAGNOSIS daemon's sweep would, under the same leases and budget ledger) and
 * prints what it did. Exit 0, 1 when the store cannot be opened, 78 bad settings.
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
    try (RoundsModule module = SignaturesCommand.module(parent)) {
      Investigator.Report r = module.diagnosis().oneShot(System.err, (inv, sigs, diags) -> inv.cycle());
      if (json) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("started", r.started());
        doc.put("diagnosed", r.diagnosed());
        doc.put("notifications_retried", r.notificationsRetried());
        out.println(SignaturesCommand.JSON.writeValueAsString(doc));
      } else {
        out.println(r.started() + " investigation(s), " + r.diagnosed() + " diagnosed");
      }
      return 0;
    } catch (StoreException e) {
      err.println("vigil investigate: " + e.getMessage());
      return Cli.NOT_OK;
    }
  }
}
