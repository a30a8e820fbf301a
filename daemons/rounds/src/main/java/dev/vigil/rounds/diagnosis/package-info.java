/**
 * Diagnosis of error signatures: the {@link dev.vigil.rounds.diagnosis.DiagnosisBackend} port and
 * its backends ({@code evidence}, {@code claude_code}, {@code anthropic}, {@code openai}), the
 * {@link dev.vigil.rounds.diagnosis.InvestigationContext} and its bounded prompt (telemetry text is
 * fenced as untrusted), the answer schema and its parser, and the
 * {@link dev.vigil.rounds.diagnosis.BudgetGate} every model call goes through.
 */
package dev.vigil.rounds.diagnosis;
