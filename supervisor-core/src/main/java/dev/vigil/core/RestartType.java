package dev.vigil.core;

/** Which exits restart a daemon, with Erlang/OTP's meanings. */
public enum RestartType {
  /** Always restarted, also after a normal exit. */
  PERMANENT,
  /** Restarted only after an abnormal exit (a crash, timeout, failed liveness, missed heartbeat). */
  TRANSIENT,
  /** Never restarted: a crash leaves it FAILED, a normal exit STOPPED. */
  TEMPORARY
}
