/**
 * The {@code DIAGNOSIS} daemon and what it keeps: which signatures are due for an investigation
 * (triage), their leases and failure backoff, the stored diagnoses, and the investigation cycle
 * that builds each context, runs the configured backend under the budget and notifies.
 */
package dev.vigil.rounds.investigation;
