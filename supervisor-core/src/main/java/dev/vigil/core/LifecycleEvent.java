package dev.vigil.core;

import java.time.Duration;
import java.time.Instant;

/**
 * What happened to a daemon, as delivered to {@link LifecycleListener}s. Each record carries the
 * daemon and the wall-clock time.
 */
public sealed interface LifecycleEvent {

  /** The daemon concerned. */
  DaemonType type();

  /** When it happened. */
  Instant at();

  /** An instance is being started ({@code attempt} is 1 for a requested start). */
  record Starting(DaemonType type, Instant at, int attempt) implements LifecycleEvent {}

  /** The instance started and is ready. */
  record Running(DaemonType type, Instant at) implements LifecycleEvent {}

  /** The instance crashed, timed out, failed liveness or missed its heartbeat. */
  record Failed(DaemonType type, Instant at, Throwable cause) implements LifecycleEvent {}

  /** A restart is scheduled after {@code delay}. */
  record BackoffScheduled(DaemonType type, Instant at, int attempt, Duration delay)
      implements LifecycleEvent {}

  /** The restart budget is spent (or the restart type forbids a restart): the daemon is FAILED. */
  record GaveUp(DaemonType type, Instant at, String reason) implements LifecycleEvent {}

  /** The instance is being stopped. */
  record Stopping(DaemonType type, Instant at, String reason) implements LifecycleEvent {}

  /** The instance stopped; {@code abandoned} when its stop overran the stop timeout. */
  record Stopped(DaemonType type, Instant at, boolean abandoned) implements LifecycleEvent {}

  /** The accepted health status changed. */
  record HealthChanged(
      DaemonType type, Instant at, HealthCheckResult previous, HealthCheckResult current)
      implements LifecycleEvent {}
}
