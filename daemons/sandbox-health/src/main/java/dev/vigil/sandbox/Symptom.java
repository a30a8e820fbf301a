package dev.vigil.sandbox;

import dev.vigil.core.HealthStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A symptom of the decision tree: what a person sees ("sandbox won't start"), the probes that can
 * explain it in the order to consider them, and what to look at by hand where no probe can.
 *
 * @param id kebab-case name ({@code sandbox-wont-start})
 * @param title the symptom as a person would say it
 * @param checks the probes that point to a cause, most fundamental first
 * @param manual what a person should check that no probe can (empty if nothing)
 */
record Symptom(String id, String title, List<Pointer> checks, String manual) {

  Symptom {
    checks = List.copyOf(checks);
  }

  /**
   * A probe and the cause and fix its failure points to.
   *
   * @param category only failures of this category match; empty for any
   * @param fix empty to use the probe's remediation
   */
  record Pointer(String probe, Optional<String> category, String cause, String fix) {}

  /** The probes this symptom names, in order, without repeats. */
  List<String> probes() {
    return checks.stream().map(Pointer::probe).distinct().toList();
  }

  /**
   * Walks the tree against the probes' states: the symptom's status is the worst of its probes;
   * its cause and fix come from the first pointer, in order, whose probe has that worst status (and
   * category, if the pointer names one). Unhealthy probes are considered before degraded ones, and
   * those before unknown ones, so a skipped probe never hides the failure that made it skip.
   */
  Diagnosis.SymptomLine evaluate(Map<String, ProbeState> states, Map<String, ProbeSpec> specs) {
    HealthStatus worst = HealthStatus.HEALTHY;
    for (String p : probes()) {
      worst = Rank.worst(worst, states.getOrDefault(p, ProbeState.initial()).status());
    }
    for (HealthStatus level : List.of(HealthStatus.UNHEALTHY, HealthStatus.DEGRADED, HealthStatus.UNKNOWN)) {
      for (Pointer ptr : checks) {
        ProbeState s = states.getOrDefault(ptr.probe(), ProbeState.initial());
        if (s.status() != level) {
          continue;
        }
        if (ptr.category().isPresent() && !ptr.category().get().equals(s.category())) {
          continue;
        }
        String fix = ptr.fix().isEmpty()
            ? Optional.ofNullable(specs.get(ptr.probe())).map(ProbeSpec::remediation).orElse("")
            : ptr.fix();
        String cause = ptr.cause();
        if (level == HealthStatus.UNKNOWN) {
          cause = "not known yet: " + ptr.probe() + " could not be checked (" + s.detail() + "); if it fails, " + cause;
        }
        return new Diagnosis.SymptomLine(id, title, worst, cause, fix, ptr.probe(), manual, probes());
      }
    }
    for (String p : probes()) { // failing, but only in a category no pointer names
      ProbeState s = states.getOrDefault(p, ProbeState.initial());
      if (s.status() == worst && worst != HealthStatus.HEALTHY) {
        String fix = Optional.ofNullable(specs.get(p)).map(ProbeSpec::remediation).orElse("");
        return new Diagnosis.SymptomLine(
            id, title, worst, p + " is " + worst.wireName() + ": " + s.detail(), fix, p, manual, probes());
      }
    }
    String fix = manual.isEmpty() ? "" : "check by hand: " + manual;
    return new Diagnosis.SymptomLine(
        id, title, worst, "no probe points to a cause", fix, null, manual, probes());
  }
}
