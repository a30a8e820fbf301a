package dev.vigil.rounds.diagnosis;

import java.io.IOException;

/**
 * Where the model processes of calls under way are recorded while they run (the store's {@code
 * model_processes}), with the call's budget reservation: a node that dies during a call leaves
 * the record behind, and the next start kills the left-over process group and settles the
 * reservation (see {@code dev.vigil.rounds.investigation.LeftoverProcesses}).
 */
@FunctionalInterface
public interface ProcessLedger {
  /** Records nothing. */
  ProcessLedger NONE = (started, reservation) -> () -> {};

  /**
   * Records a model process that has just started.
   *
   * @param reservation the call's budget reservation, or null for a call outside the budget
   * @return what removes the record once the process ended and its group was killed
   * @throws IOException if it cannot be recorded (the process is then killed, the call fails)
   */
  ProcessRunner.Watch record(ProcessRunner.Started started, BudgetGate.Reservation reservation) throws IOException;
}
