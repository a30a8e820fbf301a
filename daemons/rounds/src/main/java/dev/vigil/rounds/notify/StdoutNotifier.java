package dev.vigil.rounds.notify;

import java.io.PrintStream;

/** Prints one readable block per diagnosis, and one line per other notification. */
public final class StdoutNotifier implements Notifier {
  private final PrintStream out;

  /** A notifier printing to {@code out} (the node's stdout in production). */
  public StdoutNotifier(PrintStream out) {
    this.out = out;
  }

  @Override
  public String name() {
    return "stdout";
  }

  @Override
  public void send(Notification n) {
    String text =
        switch (n) {
          case Notification.Diagnosed d -> DiagnosisText.block(d.signature(), d.diagnosis());
          case Notification.Recurred r ->
              "vigil: signature " + r.signature().id() + " (" + r.signature().headline()
                  + ") seen again: " + DiagnosisText.recurrence(r) + "\n";
          case Notification.Resolved r ->
              "vigil: signature " + r.signature().id() + " resolved"
                  + (r.fix().isEmpty() ? "" : ": " + r.fix()) + "\n";
          case Notification.Regressed r ->
              "vigil: signature " + r.signature().id() + " (" + r.signature().headline()
                  + ") regressed at " + DiagnosisText.time(r.signature().lastSeen())
                  + "\n";
        };
    synchronized (out) {
      out.print(text);
      out.flush();
    }
  }
}
