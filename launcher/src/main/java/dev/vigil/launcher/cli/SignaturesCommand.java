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
import dev.vigil.rounds.investigation.StoredDiagnosis;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * audited with the actor ({@code cli:USER}) and the reason. Exit 0 on success, 1 when the store or
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

  /**
   * A signature as {@code vigil signatures list --json} prints it (the binding shape), with its
   * latest diagnosis ({@code null} when it has none) and its investigator state.
   */
  static Map<String, Object> signature(Signature s, SqliteDiagnosisStore diagnoses) {
    Map<String, Object> m = signature(s);
    if (diagnoses != null) {
      m.put("diagnosis", diagnoses.latestDiagnosis(s.id()).map(SignaturesCommand::diagnosis).orElse(null));
      m.put("investigation", investigation(diagnoses.state(s.id())));
    }
    return m;
  }

  static Map<String, Object> diagnosis(StoredDiagnosis stored) {
    Diagnosis d = stored.diagnosis();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("root_cause", d.rootCause());
    m.put("evidence", d.evidence());
    m.put("suggested_fix", d.suggestedFix());
    m.put("confidence", d.confidence().wireName());
    m.put("model", d.model());
    m.put("cost_usd", d.costUsd().orElse(null));
    m.put("duration_ms", d.duration().toMillis());
    m.put("backend", stored.backend());
    m.put("occurrence_count", stored.occurrenceCount());
    m.put("diagnosed_at", text(stored.createdAt()));
    return m;
  }

  static Map<String, Object> investigation(InvestigationState st) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("attempts", st.attempts());
    m.put("needs_human", st.needsHuman());
    m.put("next_attempt_at", text(st.nextAttemptAt()));
    m.put("last_error", st.lastError());
    m.put("lease_until", text(st.leaseUntil()));
    m.put("lease_owner", st.leaseOwner());
    return m;
  }

  /** A signature without what the diagnosis tables add. */
  static Map<String, Object> signature(Signature s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("fingerprint", s.fingerprint());
    m.put("fingerprint_version", s.fingerprintVersion());
    m.put("service", s.service());
    m.put("error_type", s.errorType());
    m.put("message_template", s.messageTemplate());
    m.put("status", s.status().wireName());
    m.put("regression", s.regression());
    m.put("occurrence_count", s.occurrenceCount());
    m.put("first_seen", text(s.firstSeen()));
    m.put("last_seen", text(s.lastSeen()));
    m.put("status_changed_at", text(s.statusChangedAt()));
    m.put("frames", s.frames());
    m.put("diagnosis", null);
    return m;
  }

  static Map<String, Object> sample(Sample s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trace_id", s.traceId());
    m.put("span_id", s.spanId());
    m.put("time", text(s.time()));
    m.put("message", s.message());
    m.put("source", s.source());
    return m;
  }

  static Map<String, Object> audit(AuditEntry a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("at", text(a.at()));
    m.put("actor", a.actor());
    m.put("from", a.from() == null ? null : a.from().wireName());
    m.put("to", a.to().wireName());
    m.put("regression", a.regression());
    m.put("reason", a.reason());
    return m;
  }

  static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  /** Opens the store read-only; a missing or unreadable store is reported and null returned. */
  Stores open(PrintWriter err) {
    try (RoundsModule module = module(parent)) {
      SignatureStore signatures = module.openStoreReadOnly();
      try {
        return new Stores(signatures, module.diagnosis().openReadOnly());
      } catch (StoreException e) {
        signatures.close();
        throw e;
      }
    } catch (StoreException e) {
      err.println("vigil signatures: " + e.getMessage());
      return null;
    }
  }

  /** The signature store and its diagnosis tables, read-only. */
  record Stores(SignatureStore signatures, SqliteDiagnosisStore diagnoses) implements AutoCloseable {
    @Override
    public void close() {
      try {
        signatures.close();
      } finally {
        diagnoses.close();
      }
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
      try (Stores stores = signatures.open(err)) {
        if (stores == null) {
          return Cli.NOT_OK;
        }
        SignatureStore store = stores.signatures();
        List<Signature> found = store.list(new SignatureStore.Query(wanted, service, limit));
        if (json) {
          List<Map<String, Object>> doc = new ArrayList<>();
          found.forEach(s -> doc.add(signature(s, stores.diagnoses())));
          out.println(JSON.writeValueAsString(doc));
          return 0;
        }
        if (found.isEmpty()) {
          out.println("no signatures");
          return 0;
        }
        out.printf("%-6s %-13s %8s  %-20s  %-20s  %s%n", "ID", "STATUS", "COUNT", "LAST SEEN", "SERVICE", "ERROR");
        boolean anyNeedsHuman = false;
        for (Signature s : found) {
          String error = (s.errorType().isEmpty() ? "" : s.errorType() + ": ") + s.messageTemplate();
          boolean needsHuman = stores.diagnoses().state(s.id()).needsHuman();
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
        if (found.stream().anyMatch(Signature::regression)) {
          out.println("* regression: it recurred after being resolved");
        }
        if (anyNeedsHuman) {
          out.println("! needs a human: its investigations kept failing (vigil signatures retriage ID)");
        }
        return 0;
      }
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
      try (Stores stores = signatures.open(err)) {
        if (stores == null) {
          return Cli.NOT_OK;
        }
        SignatureStore store = stores.signatures();
        Optional<Signature> found =
            id.matches("\\d{1,18}") ? store.get(Long.parseLong(id)) : store.byFingerprint(id.strip());
        if (found.isEmpty()) {
          err.println("vigil signatures: no signature " + id);
          return Cli.NOT_OK;
        }
        Signature s = found.get();
        List<Sample> samples = store.samples(s.id());
        List<AuditEntry> audit = store.audit(s.id());
        List<StoredDiagnosis> diagnoses = stores.diagnoses().diagnoses(s.id());
        InvestigationState state = stores.diagnoses().state(s.id());
        if (json) {
          Map<String, Object> doc = new LinkedHashMap<>(signature(s, stores.diagnoses()));
          doc.put("diagnoses", diagnoses.stream().map(SignaturesCommand::diagnosis).toList());
          doc.put("samples", samples.stream().map(SignaturesCommand::sample).toList());
          doc.put("audit", audit.stream().map(SignaturesCommand::audit).toList());
          out.println(JSON.writeValueAsString(doc));
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
}
