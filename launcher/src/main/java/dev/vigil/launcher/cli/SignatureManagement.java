package dev.vigil.launcher.cli;

import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.investigation.Management;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil signatures mute|resolve|retriage|reinvestigate ID}: each calls the rounds module's
 * {@link Management} (the same code as the node's HTTP API) on the store file, next to a running
 * node or not (SQLite serialises the writers), audited with the actor {@code cli:USER} and the
 * reason. Exit 0 done, 1 no store, no such signature or a move the lifecycle does not allow, 78
 * bad settings.
 */
final class SignatureManagement {
  private SignatureManagement() {}

  /** What one command asks of {@link Management}. */
  @FunctionalInterface
  interface Action {
    Management.Answer<Management.Moved> apply(Management management, long id, String actor)
        throws InterruptedException;
  }

  /** Shared by the commands: the id, the store, the answer printed. */
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
        Management.Answer<Management.Moved> answer = action().apply(module.management(System.err), id, actor);
        switch (answer) {
          case Management.Answer.Done<Management.Moved> done -> {
            out.println(done.value().message());
            return 0;
          }
          case Management.Answer.NotFound<Management.Moved> none -> {
            err.println("vigil signatures: no signature " + id);
            return Cli.NOT_OK;
          }
          case Management.Answer.Refused<Management.Moved> refused -> {
            err.println("vigil signatures: " + refused.message());
            return Cli.NOT_OK;
          }
        }
      } catch (StoreException e) {
        err.println("vigil signatures: " + e.getMessage());
        return Cli.NOT_OK;
      }
    }
  }

  /** {@code vigil signatures mute ID [--reason R]}. */
  @Command(name = "mute", description = "Mute a signature: it keeps counting but is never investigated or notified.")
  static final class Mute extends Base {
    @Option(names = "--reason", paramLabel = "R", defaultValue = "muted", description = "Why (audited).")
    String reason;

    @Override
    Action action() {
      return (m, id, actor) -> m.mute(id, actor, reason);
    }
  }

  /** {@code vigil signatures resolve ID [--fix F]}. */
  @Command(name = "resolve", description = "Mark a signature resolved; a recurrence reopens it as a regression.")
  static final class Resolve extends Base {
    @Option(names = "--fix", paramLabel = "F", description = "The fix (a commit, a release), audited.")
    String fix;

    @Override
    Action action() {
      return (m, id, actor) -> m.resolve(id, actor, fix);
    }
  }

  /** {@code vigil signatures retriage ID [--reason R]}. */
  @Command(name = "retriage", description = "Clear a signature's failed attempts, backoff and needs-human state.")
  static final class Retriage extends Base {
    @Option(names = "--reason", paramLabel = "R", defaultValue = "", description = "Why (audited).")
    String reason;

    @Override
    Action action() {
      return (m, id, actor) -> m.retriage(id, actor, reason);
    }
  }

  /** {@code vigil signatures reinvestigate ID [--reason R]}. */
  @Command(name = "reinvestigate", description = "Investigate a signature again at the next sweep, whatever its cooldown.")
  static final class Reinvestigate extends Base {
    @Option(names = "--reason", paramLabel = "R", defaultValue = "", description = "Why (audited).")
    String reason;

    @Override
    Action action() {
      return (m, id, actor) -> m.reinvestigate(id, actor, reason);
    }
  }
}
