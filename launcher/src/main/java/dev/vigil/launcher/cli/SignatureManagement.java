package dev.vigil.launcher.cli;

import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.SignatureStatus;
import dev.vigil.rounds.SignatureStore;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.investigation.InvestigationState;
import dev.vigil.rounds.investigation.Investigator;
import dev.vigil.rounds.notify.Notification;
import dev.vigil.rounds.store.SqliteDiagnosisStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil signatures mute|resolve|retriage|reinvestigate ID}: each writes to the store file
 * (next to a running node: SQLite serialises the writers) and is audited with the actor {@code
 * cli:USER} and the reason. Exit 0 done, 1 no store, no such signature or a move the lifecycle does
 * not allow, 78 bad settings.
 */
final class SignatureManagement {
  private SignatureManagement() {}

  /** What one command does to the stores; returns the line it prints. */
  interface Action {
    String apply(
        long id, String actor, Instant now, SignatureStore signatures, SqliteDiagnosisStore diagnoses,
        Investigator investigator);
  }

  /** Shared by the commands: the id, the reason, the store. */
  abstract static class Base implements Callable<Integer> {
    @ParentCommand SignaturesCommand signatures;

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The signature's id.")
    long id;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    abstract Action action();

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String actor = "cli:" + System.getProperty("user.name", "unknown");
      try (RoundsModule module = SignaturesCommand.module(signatures.parent)) {
        String line = module.diagnosis().oneShot(System.err, (inv, sigs, diags) -> {
          if (sigs.get(id).isEmpty()) {
            return null;
          }
          return action().apply(id, actor, Instant.now(), sigs, diags, inv);
        });
        if (line == null) {
          err.println("vigil signatures: no signature " + id);
          return Cli.NOT_OK;
        }
        out.println(line);
        return 0;
      } catch (SignatureStore.IllegalTransitionException e) {
        err.println("vigil signatures: " + e.getMessage());
        return Cli.NOT_OK;
      } catch (StoreException e) {
        err.println("vigil signatures: " + e.getMessage());
        return Cli.NOT_OK;
      }
    }
  }

  static String moved(Optional<Signature> s) {
    return s.map(x -> "signature " + x.id() + " is " + x.status().wireName()).orElse(null);
  }

  /** {@code vigil signatures mute ID [--reason R]}. */
  @Command(name = "mute", description = "Mute a signature: it keeps counting but is never investigated or notified.")
  static final class Mute extends Base {
    @Option(names = "--reason", paramLabel = "R", defaultValue = "muted", description = "Why (audited).")
    String reason;

    @Override
    Action action() {
      return (id, actor, now, sigs, diags, inv) -> moved(sigs.transition(id, SignatureStatus.MUTED, actor, reason, now));
    }
  }

  /** {@code vigil signatures resolve ID [--fix F]}. */
  @Command(name = "resolve", description = "Mark a signature resolved; a recurrence reopens it as a regression.")
  static final class Resolve extends Base {
    @Option(names = "--fix", paramLabel = "F", description = "The fix (a commit, a release), audited.")
    String fix;

    @Override
    Action action() {
      return (id, actor, now, sigs, diags, inv) -> {
        Optional<Signature> s = sigs.transition(
            id, SignatureStatus.RESOLVED, actor, fix == null || fix.isBlank() ? "resolved" : "resolved by " + fix, now);
        // tells the notifiers (a GitHub issue is closed); a failure waits in this run's queue only
        s.ifPresent(x -> inv.notify(new Notification.Resolved(Investigator.facts(x), fix == null ? "" : fix)));
        return moved(s);
      };
    }
  }

  /** {@code vigil signatures retriage ID [--reason R]}. */
  @Command(name = "retriage", description = "Clear a signature's failed attempts, backoff and needs-human state.")
  static final class Retriage extends Base {
    @Option(names = "--reason", paramLabel = "R", defaultValue = "", description = "Why (audited).")
    String reason;

    @Override
    Action action() {
      return (id, actor, now, sigs, diags, inv) -> state(id, diags.reset(id, false, actor, reason, now), "retriaged");
    }
  }

  /** {@code vigil signatures reinvestigate ID [--reason R]}. */
  @Command(name = "reinvestigate", description = "Investigate a signature again at the next sweep, whatever its cooldown.")
  static final class Reinvestigate extends Base {
    @Option(names = "--reason", paramLabel = "R", defaultValue = "", description = "Why (audited).")
    String reason;

    @Override
    Action action() {
      return (id, actor, now, sigs, diags, inv) -> {
        Signature s = sigs.get(id).orElseThrow();
        if (s.status() == SignatureStatus.MUTED || s.status() == SignatureStatus.RESOLVED) {
          throw new SignatureStore.IllegalTransitionException(id, s.status(), SignatureStatus.INVESTIGATING);
        }
        return state(id, diags.reset(id, true, actor, reason, now), "queued for investigation at the next sweep");
      };
    }
  }

  static String state(long id, Optional<InvestigationState> st, String what) {
    return st.map(x -> "signature " + id + " " + what).orElse(null);
  }
}
