package dev.vigil.sandbox;

import dev.vigil.core.HealthStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The probes, their latest states and the decision tree: what the daemon's health, {@code /status}
 * details, the metrics and {@code vigil diagnose} all read. It outlives daemon instances, so a
 * restart of the daemon keeps the history. Thread-safe: each probe's state is replaced whole.
 */
final class ProbeBook {
  private final List<ProbeSpec> probes;
  private final Map<String, ProbeSpec> byId;
  private final Map<String, Integer> levels;
  private final List<Symptom> symptoms;
  private final int historySize;
  private final Map<String, ProbeState> states = new ConcurrentHashMap<>();

  /**
   * @param probes in dependency order (a probe after all it depends on)
   * @param historySize how many runs each probe keeps
   */
  ProbeBook(List<ProbeSpec> probes, List<Symptom> symptoms, int historySize) {
    this.probes = List.copyOf(probes);
    this.symptoms = List.copyOf(symptoms);
    this.historySize = historySize;
    Map<String, ProbeSpec> ids = new LinkedHashMap<>();
    Map<String, Integer> level = new HashMap<>();
    for (ProbeSpec p : probes) {
      ids.put(p.id(), p);
      int l = 0;
      for (String d : p.dependsOn()) {
        l = Math.max(l, level.get(d) + 1);
      }
      level.put(p.id(), l);
      states.put(p.id(), ProbeState.initial());
    }
    this.byId = Map.copyOf(ids);
    this.levels = Map.copyOf(level);
  }

  List<ProbeSpec> probes() {
    return probes;
  }

  List<Symptom> symptoms() {
    return symptoms;
  }

  /** The probes grouped by depth in the dependency graph: each group only needs earlier ones. */
  List<List<ProbeSpec>> levels() {
    List<List<ProbeSpec>> out = new ArrayList<>();
    for (ProbeSpec p : probes) {
      int l = levels.get(p.id());
      while (out.size() <= l) {
        out.add(new ArrayList<>());
      }
      out.get(l).add(p);
    }
    return out;
  }

  ProbeState state(String id) {
    return states.get(id);
  }

  /** Why {@code spec} must not run now ("skipped: env.mlflow unhealthy"), if a dependency is not healthy. */
  Optional<String> blockedBy(ProbeSpec spec) {
    for (String d : spec.dependsOn()) {
      HealthStatus s = states.get(d).status();
      if (s != HealthStatus.HEALTHY) {
        return Optional.of("skipped: " + d + " " + s.wireName());
      }
    }
    return Optional.empty();
  }

  /** Records a run; returns the state before and after. */
  ProbeState[] record(ProbeSpec spec, Outcome raw, Instant at, boolean oneShot, Optional<String> credential) {
    ProbeState[] change = new ProbeState[2];
    states.compute(spec.id(), (id, before) -> {
      change[0] = before;
      change[1] = before.next(spec, raw, at, oneShot, historySize, credential);
      return change[1];
    });
    return change;
  }

  /** The roll-up: the worst required probe; optional ones count at most as degraded. */
  HealthStatus rollUp() {
    return diagnosis(false).status();
  }

  /** Everything at this moment, as the report and the daemon's details show it. */
  Diagnosis diagnosis(boolean withHistory) {
    Map<String, ProbeState> now = Map.copyOf(states); // one view for probes and symptoms alike
    List<Diagnosis.ProbeLine> lines = new ArrayList<>();
    for (ProbeSpec p : probes) {
      ProbeState s = now.get(p.id());
      List<Map<String, Object>> history = new ArrayList<>();
      if (withHistory) {
        for (ProbeState.Run r : s.history()) {
          Map<String, Object> h = new LinkedHashMap<>();
          h.put("at", Timestamps.iso(r.at()));
          h.put("status", r.status().wireName());
          h.put("category", r.category());
          h.put("latency_ms", r.latencyMs());
          history.add(h);
        }
      }
      String detail = s.detail();
      if (s.waitingOnCredential().isPresent()) {
        detail += " (not retried until " + String.join(", ", p.credentials()) + " changes)";
      }
      lines.add(new Diagnosis.ProbeLine(
          p.id(), p.check().kind(), s.status(), p.severity().wireName(), s.latencyNanos() / 1_000_000,
          s.category(), detail, p.remediation(),
          s.checkedAt().map(Timestamps::iso).orElse(null),
          s.lastSuccess().map(Timestamps::iso).orElse(null), history));
    }
    List<Diagnosis.SymptomLine> verdicts = new ArrayList<>();
    for (Symptom sym : symptoms) {
      verdicts.add(sym.evaluate(now, byId));
    }
    return new Diagnosis(Diagnosis.rollUp(lines), lines, verdicts);
  }
}
