package dev.vigil.core;

import java.time.Instant;

/**
 * One change of a daemon's state, kept in {@link DaemonManager#history}.
 *
 * @param at when it happened (wall clock)
 * @param from the state before
 * @param to the state after
 * @param reason why, in words ("start requested", "crashed: IOException: ...", ...)
 */
public record Transition(Instant at, DaemonState from, DaemonState to, String reason) {}
