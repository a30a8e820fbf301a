/**
 * Fingerprint v2: how error events become signatures. {@link
 * dev.vigil.rounds.fingerprint.Fingerprinter#fingerprint} combines service, error type, the
 * message template of {@link dev.vigil.rounds.fingerprint.MessageNormaliser} and the top
 * in-application frames of the root cause (JVM, Python, Go, Node and .NET stack traces) into a
 * {@link dev.vigil.rounds.fingerprint.Fingerprint}: stateless, so every node and every restart
 * agrees, and versioned, so a change of the rules is never mixed up with the old ones.
 */
package dev.vigil.rounds.fingerprint;
