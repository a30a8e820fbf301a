package dev.vigil.rounds.diagnosis;

/**
 * Diagnoses one signature: the port every diagnosis backend implements ({@code claude_code},
 * {@code anthropic}, {@code openai}, {@code evidence}).
 *
 * <p>{@link #diagnose} blocks for as long as the model takes (minutes for the CLI) and is called
 * from a worker thread, possibly from several at once: implementations are thread-safe. A backend
 * that calls a model charges it through a {@link BudgetGate} (see {@link BudgetedBackend}); it
 * never returns an unvalidated answer.
 */
public interface DiagnosisBackend {

  /** The backend's name as {@code DIAGNOSIS_BACKEND} spells it. */
  String name();

  /** True when a call costs money and must go through the budget. */
  boolean callsModel();

  /**
   * Diagnoses the signature the context describes.
   *
   * @throws DiagnosisException with its {@link DiagnosisException.Kind} and, when the model was
   *     called, what the failed call cost
   * @throws InterruptedException if the calling thread is interrupted (the call is abandoned and
   *     any process it started is killed)
   */
  Diagnosis diagnose(InvestigationContext context) throws DiagnosisException, InterruptedException;

  /**
   * Diagnoses under a budget reservation the caller holds ({@link BudgetedBackend}): a backend
   * that starts processes records them against it, so a crash during the call leaves a record
   * that ties the left-over process to the money it held. By default the same as {@link
   * #diagnose(InvestigationContext)}.
   */
  default Diagnosis diagnose(InvestigationContext context, BudgetGate.Reservation reservation)
      throws DiagnosisException, InterruptedException {
    return diagnose(context);
  }
}
