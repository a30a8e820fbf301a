package dev.vigil.launcher.cli;

import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.StoreException;
import dev.vigil.rounds.investigation.Management;
import dev.vigil.rounds.investigation.ManagementJson;
import dev.vigil.rounds.notify.NotificationQueue;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil notifications [--parked] [--json]} lists the durable notification queue (what the
 * notifiers have not had yet, parked entries included), reading the store read-only; {@code vigil
 * notifications retry ID...|--all-parked} puts parked entries back in line for the node's next
 * sweep, audited with the actor {@code cli:USER}. Both go through the rounds module's {@link
 * Management} and print {@link ManagementJson}'s documents, as the node's {@code /api/notifications}
 * endpoints. Exit 0 done, 1 no store or an id not in the queue or not parked (nothing retried), 2
 * usage, 78 bad settings.
 */
@Command(
    name = "notifications",
    description = "List the notification queue (undelivered and parked notifications); retry parked ones.",
    subcommands = NotificationsCommand.Retry.class)
final class NotificationsCommand implements Callable<Integer> {
  @ParentCommand Cli parent;

  @Spec CommandSpec spec;

  @Option(names = "--parked", description = "Only the parked entries (given up on, kept for an operator).")
  boolean parked;

  @Option(names = "--json", description = "Print one JSON array.")
  boolean json;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<NotificationQueue.Pending> entries;
    try (RoundsModule module = SignaturesCommand.module(parent)) {
      entries = module.management(System.err).notifications(parked);
    } catch (StoreException e) {
      err.println("vigil notifications: " + e.getMessage());
      return Cli.NOT_OK;
    }
    if (json) {
      out.println(SignaturesCommand.JSON.writeValueAsString(ManagementJson.notifications(entries)));
      return 0;
    }
    if (entries.isEmpty()) {
      out.println(parked ? "no parked notifications" : "no queued notifications");
      return 0;
    }
    out.printf("%-6s %-13s %-10s %6s %8s  %-20s  %-10s  %s%n",
        "ID", "NOTIFIER", "KIND", "SIG", "ATTEMPTS", "DUE AT", "STATE", "HEADLINE");
    for (NotificationQueue.Pending p : entries) {
      String headline = p.notification().signature().headline() + " (" + p.notification().signature().service() + ")";
      out.printf("%-6d %-13s %-10s %6d %8d  %-20s  %-10s  %s%n",
          p.id(), p.notifier(), p.notification().kind(), p.notification().signature().id(), p.attempts(),
          p.dueAt().toString().replaceFirst("\\.\\d+Z$", "Z"), state(p),
          headline.length() > 80 ? headline.substring(0, 79) + "…" : headline);
      if (!p.claimedBy().isEmpty()) {
        out.println("       claimed by " + p.claimedBy() + " until " + p.claimedUntil());
      }
      if (!p.lastError().isEmpty()) {
        out.println("       last error: " + p.lastError());
      }
    }
    if (entries.stream().anyMatch(NotificationQueue.Pending::parked)) {
      out.println("parked entries are never retried on their own: vigil notifications retry ID... | --all-parked");
    }
    return 0;
  }

  private static String state(NotificationQueue.Pending p) {
    if (p.parked()) {
      return "parked";
    }
    return p.claimedBy().isEmpty() ? "waiting" : "sending";
  }

  /** {@code vigil notifications retry ID... | --all-parked [--reason R] [--json]}. */
  @Command(
      name = "retry",
      description = "Put parked notifications back in line: the node's next sweep delivers them, in order per signature.")
  static final class Retry implements Callable<Integer> {
    @ParentCommand NotificationsCommand notifications;

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", arity = "0..*", description = "The queue ids of parked entries (vigil notifications --parked).")
    List<Long> ids = List.of();

    @Option(names = "--all-parked", description = "Every parked entry.")
    boolean allParked;

    @Option(names = "--reason", paramLabel = "R", defaultValue = "", description = "Why (logged and audited on each signature).")
    String reason;

    @Option(names = "--json", description = "Print one JSON object: {retried, missing, not_parked}.")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (allParked == !ids.isEmpty()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "give either IDs or --all-parked");
      }
      if (reason.length() > Management.MAX_REASON_LENGTH) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--reason: " + reason.length() + " characters, at most " + Management.MAX_REASON_LENGTH);
      }
      String actor = "cli:" + System.getProperty("user.name", "unknown");
      NotificationQueue.Retried r;
      try (RoundsModule module = SignaturesCommand.module(notifications.parent)) {
        r = module.management(System.err).retryNotifications(ids, actor, reason);
      } catch (StoreException e) {
        err.println("vigil notifications: " + e.getMessage());
        return Cli.NOT_OK;
      }
      if (json) {
        out.println(SignaturesCommand.JSON.writeValueAsString(ManagementJson.retried(r)));
      }
      if (r.refused()) {
        err.println("vigil notifications: " + Management.retryRefusal(r));
        return Cli.NOT_OK;
      }
      if (json) {
        return 0;
      }
      if (r.entries().isEmpty()) {
        out.println("no parked notifications");
      }
      for (NotificationQueue.Pending p : r.entries()) {
        out.println("notification " + p.id() + " (" + p.notification().kind() + " of signature "
            + p.notification().signature().id() + " to " + p.notifier() + ") queued for the next sweep");
      }
      return 0;
    }
  }
}
