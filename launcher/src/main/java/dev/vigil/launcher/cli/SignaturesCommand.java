package dev.vigil.launcher.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.ConfigException;
import dev.vigil.launcher.node.BadConfigException;
import dev.vigil.rounds.AuditEntry;
import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.Sample;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.investigation.InvestigationState;
import dev.vigil.rounds.investigation.Management;
import dev.vigil.rounds.investigation.ManagementJson;
import dev.vigil.rounds.investigation.StoredDiagnosis;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil signatures list|show}: reads the signature store directly, read-only (SQLite's WAL
 * lets it read while a node writes); {@code mute|resolve|retriage|reinvestigate} write to it, each
 * audited with the actor ({@code cli:USER}) and the reason. All of it goes through the rounds
 * module's {@link Management}, and the JSON is {@link ManagementJson}'s, as the node's HTTP API. Exit 0 on success, 1 when the store or
 * the signature is not there or the move is not allowed, 2 on a bad option, 78 on bad settings.
 */
@Command(
    name = "signatures",
    description = "List, show and manage the error signatures in the store.",
    subcommands = {
      SignaturesCommand.ListCommand.class,
      SignaturesCommand.ShowCommand.class,
      SignatureManagement.Mute.class,
      SignatureManagement.Resolve.class,
      SignatureManagement.Retriage.class,
      SignatureManagement.Reinvestigate.class
    })
final class SignaturesCommand implements Callable<Integer> {
  @ParentCommand Cli parent;

  @Spec CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println(
        "vigil signatures: give a command: list, show ID, mute ID, resolve ID, retriage ID or reinvestigate ID");
    spec.commandLine().usage(spec.commandLine().getErr());
    return Cli.USAGE;
  }

  // ---- shared with ScanCommand: the module from the CLI's settings, and the JSON shapes

  static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  /** The rounds module of the configuration {@code --all} would run with; bad settings exit 78. */
  static RoundsModule module(Cli cli) {
    try {
      return RoundsModule.create(cli.effectiveConfig());
    } catch (ConfigException.ValidationFailed e) {
      throw new BadConfigException(
          java.util.stream.StreamSupport.stream(e.problems().spliterator(), false).map(p -> p.path() + ": " + p.problem() + " (" + where(p.origin()) + ")").toList());
    } catch (ConfigException e) {
      throw new BadConfigException(List.of(e.getMessage()));
    }
  }

  private static String where(com.typesafe.config.ConfigOrigin origin) {
    return origin == null ? "unknown origin" : origin.description();
  }

  static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  /**
   * The management API on the store file (reads open it read-only). The module is closed at once:
   * what it held (a telemetry source) is not needed to read the store.
   */
  Management management() {
    try (RoundsModule module = module(parent)) {
      return module.management(System.err);
    }
  }

  /** {@code vigil signatures list}. */
  @Command(name = "list", description = "List signatures, most recently seen first.")
  static final class ListCommand implements Callable<Integer> {
    @ParentCommand SignaturesCommand signatures;

    @Spec CommandSpec spec;

    @Option(names = "--status", paramLabel = "S", description = "Only this status (new, investigating, diagnosed, resolved, muted).")
    String status;

    @Option(names = "--service", paramLabel = "S", description = "Only this service.")
    String service;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "At most N (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print one JSON array.")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      SignatureStatus wanted = null;
      if (status != null) {
        try {
          wanted = SignatureStatus.fromWire(status);
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--status: " + e.getMessage());
        }
      }
      if (limit < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--limit " + limit + " must be at least 1");
      }
      List<Management.Listed> found;
      try {
        found = signatures.management().list(new SignatureStore.Query(wanted, service, limit));
      } catch (StoreException e) {
        err.println("vigil signatures: " + e.getMessage());
        return Cli.NOT_OK;
      }
      if (json) {
        out.println(JSON.writeValueAsString(ManagementJson.list(found)));
        return 0;
      }
      if (found.isEmpty()) {
        out.println("no signatures");
        return 0;
      }
      out.printf("%-6s %-13s %8s  %-20s  %-20s  %s%n", "ID", "STATUS", "COUNT", "LAST SEEN", "SERVICE", "ERROR");
      boolean anyNeedsHuman = false;
      for (Management.Listed listed : found) {
        Signature s = listed.signature();
        String error = (s.errorType().isEmpty() ? "" : s.errorType() + ": ") + s.messageTemplate();
        boolean needsHuman = listed.state().needsHuman();
        anyNeedsHuman |= needsHuman;
        out.printf(
            "%-6d %-13s %8d  %-20s  %-20s  %s%n",
            s.id(),
            s.status().wireName() + (s.regression() ? "*" : "") + (needsHuman ? "!" : ""),
            s.occurrenceCount(),
            s.lastSeen().toString().replaceFirst("\\.\\d+Z$", "Z"),
            s.service(),
            error.length() > 100 ? error.substring(0, 99) + "…" : error);
      }
      if (found.stream().anyMatch(l -> l.signature().regression())) {
        out.println("* regression: it recurred after being resolved");
      }
      if (anyNeedsHuman) {
        out.println("! needs a human: its investigations kept failing (vigil signatures retriage ID)");
      }
      return 0;
    }
  }

  /** {@code vigil signatures show ID}. */
  @Command(name = "show", description = "Show one signature with its samples and audit trail.")
  static final class ShowCommand implements Callable<Integer> {
    @ParentCommand SignaturesCommand signatures;

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The signature's id, or its fingerprint.")
    String id;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Optional<Management.Detail> found;
      try {
        found = signatures.management().show(id);
      } catch (StoreException e) {
        err.println("vigil signatures: " + e.getMessage());
        return Cli.NOT_OK;
      }
      if (found.isEmpty()) {
        err.println("vigil signatures: no signature " + id);
        return Cli.NOT_OK;
      }
      Management.Detail detail = found.get();
      Signature s = detail.listed().signature();
      List<Sample> samples = detail.samples();
      List<AuditEntry> audit = detail.audit();
      List<StoredDiagnosis> diagnoses = detail.diagnoses();
      InvestigationState state = detail.listed().state();
      if (json) {
        out.println(JSON.writeValueAsString(ManagementJson.detail(detail)));
        return 0;
      }
      out.println("signature " + s.id() + (s.regression() ? " (regression)" : ""));
      out.println("  status:      " + s.status().wireName() + " since " + s.statusChangedAt());
      out.println("  service:     " + s.service());
      out.println("  error type:  " + (s.errorType().isEmpty() ? "-" : s.errorType()));
      out.println("  template:    " + s.messageTemplate());
      out.println("  count:       " + s.occurrenceCount());
      out.println("  first seen:  " + s.firstSeen());
      out.println("  last seen:   " + s.lastSeen());
      out.println("  fingerprint: " + s.fingerprint() + " (v" + s.fingerprintVersion() + ")");
      if (!s.frames().isEmpty()) {
        out.println("  frames:");
        s.frames().forEach(f -> out.println("    " + f));
      }
      if (state.needsHuman()) {
        out.println("  NEEDS A HUMAN after " + state.attempts() + " failed investigations: " + state.lastError());
      } else if (state.attempts() > 0) {
        out.println("  investigation: " + state.attempts() + " failed attempt(s), next after "
            + state.nextAttemptAt() + ": " + state.lastError());
      }
      if (state.leaseUntil() != null && s.status() == SignatureStatus.INVESTIGATING) {
        out.println("  investigating: leased by " + state.leaseOwner() + " until " + state.leaseUntil());
      }
      if (diagnoses.isEmpty()) {
        out.println("diagnosis: none yet");
      } else {
        StoredDiagnosis latest = diagnoses.get(diagnoses.size() - 1);
        Diagnosis d = latest.diagnosis();
        out.println("diagnosis (" + latest.createdAt() + ", " + latest.backend() + ", model " + d.model()
            + ", " + d.confidence().wireName() + " confidence, cost "
            + d.costUsd().map(c -> c.toPlainString() + " USD").orElse("unknown") + ", "
            + d.duration().toMillis() + " ms" + (diagnoses.size() > 1 ? ", " + diagnoses.size() + " in all" : "") + "):");
        out.println("  root cause: " + d.rootCause());
        if (!d.evidence().isEmpty()) {
          out.println("  evidence:");
          d.evidence().forEach(e -> out.println("    - " + e));
        }
        out.println("  suggested fix: " + d.suggestedFix());
      }
      out.println("samples (newest first):");
      for (Sample x : samples) {
        out.println(
            "  " + x.time() + "  trace " + (x.traceId().isEmpty() ? "-" : x.traceId())
                + " span " + (x.spanId().isEmpty() ? "-" : x.spanId()) + "  [" + x.source() + "]  "
                + x.message().lines().findFirst().orElse(""));
      }
      out.println("audit trail:");
      for (AuditEntry a : audit) {
        out.println(
            "  " + a.at() + "  " + (a.from() == null ? "(created)" : a.from().wireName()) + " -> "
                + a.to().wireName() + (a.regression() ? " (regression)" : "") + "  by " + a.actor()
                + ": " + a.reason());
      }
      return 0;
    }
  }
}
