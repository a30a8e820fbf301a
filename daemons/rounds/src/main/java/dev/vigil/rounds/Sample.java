package dev.vigil.rounds;

import java.time.Instant;

/**
 * One recent occurrence of a signature, kept so an investigation can find its trace and logs
 * without searching the backend again. The store keeps a bounded ring of them per signature.
 *
 * @param traceId lower-case hex trace id, or empty
 * @param spanId lower-case hex span id, or empty
 * @param time when the event happened
 * @param message the event's message as sent (not the template)
 * @param source where it came from ({@code otlp}, {@code jaeger}, ...)
 */
public record Sample(String traceId, String spanId, Instant time, String message, String source) {}
