package dev.vigil.launcher.cli;

import dev.vigil.rounds.EventSink;
import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.SignatureEvent;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.TelemetryException;
import dev.vigil.rounds.poller.PollCycle;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil scan}: one poll cycle now against the configured telemetry backend, into the
 * signature store (next to a running node, if any: both write through SQLite's locks, and the
 * shared watermark and de-duplication keep every event counted once), with a JSON summary on
 * stdout. Exit 0 when the cycle committed, 1 when the backend or the store failed, 78 on bad
 * settings.
 */
@Command(
    name = "scan",
    description = "Poll the telemetry backend once now and print a JSON summary.")
final class ScanCommand implements Callable<Integer> {
  @ParentCommand Cli parent;

  @Spec CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (RoundsModule module = SignaturesCommand.module(parent)) {
      RoundsModule.Settings settings = module.settings();
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("backend", settings.backend());
      doc.put("store", settings.sqlitePath().toAbsolutePath().toString());
      AtomicInteger thresholds = new AtomicInteger();
      Optional<PollCycle.Report> polled;
      try {
        polled =
            module.scanOnce(
                e -> {
                  if (e instanceof SignatureEvent.ThresholdReached) {
                    thresholds.incrementAndGet();
                  }
                });
      } catch (TelemetryException e) {
        err.println(
            "vigil scan: "
                + settings.backend()
                + " could not be read ("
                + e.kind().name().toLowerCase(Locale.ROOT)
                + "): "
                + e.getMessage());
        return Cli.NOT_OK;
      } catch (StoreException e) {
        err.println("vigil scan: " + e.getMessage());
        return Cli.NOT_OK;
      }
      if (polled.isEmpty()) {
        doc.put("polled", false);
        doc.put(
            "reason",
            "TELEMETRY_BACKEND is otlp: applications push to the OTLP receiver of a running node;"
                + " there is nothing to poll");
      } else {
        PollCycle.Report r = polled.get();
        EventSink.IngestResult result = r.result();
        doc.put("polled", true);
        doc.put("source", r.source());
        doc.put("from", SignaturesCommand.text(r.from()));
        doc.put("to", SignaturesCommand.text(r.to()));
        doc.put("reads", r.fetches());
        doc.put("events", r.fetched());
        doc.put("filtered", r.filtered());
        doc.put("skipped_rows", r.skippedRows());
        doc.put("counted", result.accepted());
        doc.put("duplicates", result.duplicates());
        doc.put("new_signatures", result.newSignatures());
        doc.put("updated_signatures", result.updatedSignatures());
        doc.put("reached_threshold", thresholds.get());
        doc.put("watermark", SignaturesCommand.text(r.watermark()));
        doc.put("backlog_from", SignaturesCommand.text(r.backlogFrom()));
      }
      out.println(SignaturesCommand.JSON.writeValueAsString(doc));
      return 0;
    }
  }
}
