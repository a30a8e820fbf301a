/**
 * Rounds: the continuous error-diagnosis pipeline. Telemetry comes in (polled from a backend or
 * pushed to the built-in OTLP receiver), errors are fingerprinted into signatures and kept in the
 * signature store.
 */
package dev.vigil.rounds;
