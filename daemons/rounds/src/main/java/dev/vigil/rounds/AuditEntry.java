package dev.vigil.rounds;

import java.time.Instant;

/**
 * One status transition of a signature, as the audit log keeps it.
 *
 * @param signatureId the signature
 * @param at when it happened
 * @param actor who did it ({@code ingest}, {@code cli:alice}, {@code diagnosis}, ...)
 * @param from the status before, or null for the creation
 * @param to the status after
 * @param regression true when this entry reopened a resolved signature that recurred
 * @param reason why, in words
 */
public record AuditEntry(
    long signatureId,
    Instant at,
    String actor,
    SignatureStatus from,
    SignatureStatus to,
    boolean regression,
    String reason) {}
