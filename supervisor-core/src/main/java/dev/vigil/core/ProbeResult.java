package dev.vigil.core;

import java.util.List;

/**
 * The answer of a liveness or readiness probe.
 *
 * @param ok whether the probe passes
 * @param reasons why it fails (empty when it passes), one line per cause
 */
public record ProbeResult(boolean ok, List<String> reasons) {

  /** Copies the reasons. */
  public ProbeResult {
    reasons = List.copyOf(reasons);
  }
}
