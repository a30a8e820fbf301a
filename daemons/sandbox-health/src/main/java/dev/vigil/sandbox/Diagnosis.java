package dev.vigil.sandbox;

import dev.vigil.core.HealthStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the probes found and what the decision tree makes of it: the report {@code vigil diagnose}
 * prints, from a one-shot run ({@link SandboxHealthModule#diagnose}) or from the running daemon's
 * health details ({@link #fromJson}). Immutable.
 *
 * <p>Its JSON form ({@link #toJson}) is {@code {"status", "probes": [{"id", "kind", "status",
 * "severity", "latency_ms", "category", "detail", "remediation", "checked_at", "last_success",
 * "history"}], "symptoms": [{"id", "title", "status", "cause", "fix", "probe", "manual",
 * "probes"}]}}; the daemon's health details have the same shape.
 *
 * @param status the roll-up: the worst required probe, optional ones counting at most as degraded
 * @param probes every probe, in dependency order
 * @param symptoms every symptom of the decision tree, in declared order
 */
public record Diagnosis(HealthStatus status, List<ProbeLine> probes, List<SymptomLine> symptoms) {

  /** Copies the lists. */
  public Diagnosis {
    Objects.requireNonNull(status, "status");
    probes = List.copyOf(probes);
    symptoms = List.copyOf(symptoms);
  }

  /**
   * One probe's latest result.
   *
   * @param id the probe
   * @param kind its kind ({@code http}, ...)
   * @param status its accepted status
   * @param severity {@code required} or {@code optional}
   * @param latencyMs how long its latest run took
   * @param category the kind of failure, or null when healthy
   * @param detail what was found, secrets redacted
   * @param remediation what to do when it fails
   * @param checkedAt when it last ran (ISO-8601), or null
   * @param lastSuccess when its target last worked (ISO-8601), or null
   * @param history the latest runs, oldest first: maps of {@code at}, {@code status}, {@code
   *     category}, {@code latency_ms}; empty from a one-shot run
   */
  public record ProbeLine(
      String id,
      String kind,
      HealthStatus status,
      String severity,
      long latencyMs,
      String category,
      String detail,
      String remediation,
      String checkedAt,
      String lastSuccess,
      List<Map<String, Object>> history) {
    /** Copies the history. */
    public ProbeLine {
      history = List.copyOf(history);
    }
  }

  /**
   * One symptom's verdict.
   *
   * @param id the symptom's kebab-case id
   * @param title the symptom in words
   * @param status the worst status among its probes
   * @param cause the likely cause
   * @param fix what to do about it
   * @param probe the probe that points to the cause, or null
   * @param manual what to check by hand, or empty
   * @param probes the probes the symptom names
   */
  public record SymptomLine(
      String id,
      String title,
      HealthStatus status,
      String cause,
      String fix,
      String probe,
      String manual,
      List<String> probes) {
    /** Copies the probe list. */
    public SymptomLine {
      probes = List.copyOf(probes);
    }
  }

  /** True if a required probe is unhealthy: {@code vigil diagnose} then exits 1. */
  public boolean requiredUnhealthy() {
    return probes.stream()
        .anyMatch(p -> "required".equals(p.severity()) && p.status() == HealthStatus.UNHEALTHY);
  }

  /** The symptom ids, in declared order. */
  public List<String> symptomIds() {
    return symptoms.stream().map(SymptomLine::id).toList();
  }

  /**
   * This report narrowed to one symptom: that symptom, and only the probes it names. The status
   * is recomputed over those probes.
   *
   * @throws IllegalArgumentException if there is no such symptom
   */
  public Diagnosis only(String symptomId) {
    SymptomLine symptom =
        symptoms.stream()
            .filter(s -> s.id().equals(symptomId))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException(
                "no symptom '" + symptomId + "'; known: " + String.join(", ", symptomIds())));
    List<ProbeLine> named =
        probes.stream().filter(p -> symptom.probes().contains(p.id())).toList();
    return new Diagnosis(rollUp(named), named, List.of(symptom));
  }

  /** The roll-up of some probe lines (see {@link #status()}). */
  static HealthStatus rollUp(List<ProbeLine> lines) {
    HealthStatus worst = HealthStatus.HEALTHY;
    for (ProbeLine p : lines) {
      HealthStatus s = p.status();
      if (!"required".equals(p.severity()) && Rank.of(s) > Rank.of(HealthStatus.DEGRADED)) {
        s = HealthStatus.DEGRADED; // optional probes only degrade the whole
      }
      worst = Rank.worst(worst, s);
    }
    return worst;
  }

  /** The JSON-friendly form (maps, lists, strings, numbers, booleans, nulls). */
  public Map<String, Object> toJson() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("status", status.wireName());
    List<Object> ps = new ArrayList<>();
    for (ProbeLine p : probes) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", p.id());
      m.put("kind", p.kind());
      m.put("status", p.status().wireName());
      m.put("severity", p.severity());
      m.put("latency_ms", p.latencyMs());
      m.put("category", p.category());
      m.put("detail", p.detail());
      m.put("remediation", p.remediation());
      m.put("checked_at", p.checkedAt());
      m.put("last_success", p.lastSuccess());
      m.put("history", p.history());
      ps.add(m);
    }
    doc.put("probes", ps);
    List<Object> ss = new ArrayList<>();
    for (SymptomLine s : symptoms) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", s.id());
      m.put("title", s.title());
      m.put("status", s.status().wireName());
      m.put("cause", s.cause());
      m.put("fix", s.fix());
      m.put("probe", s.probe());
      m.put("manual", s.manual());
      m.put("probes", s.probes());
      ss.add(m);
    }
    doc.put("symptoms", ss);
    return doc;
  }

  /**
   * Reads the form {@link #toJson} writes (as the daemon's details in {@code GET /status}, parsed
   * into maps and lists).
   *
   * @throws IllegalArgumentException if {@code json} does not have that shape
   */
  public static Diagnosis fromJson(Map<String, ?> json) {
    try {
      List<ProbeLine> probes = new ArrayList<>();
      for (Object o : list(json.get("probes"))) {
        Map<?, ?> m = (Map<?, ?>) o;
        List<Map<String, Object>> history = new ArrayList<>();
        for (Object h : list(m.get("history"))) {
          Map<String, Object> copy = new LinkedHashMap<>();
          ((Map<?, ?>) h).forEach((k, v) -> copy.put(String.valueOf(k), v));
          history.add(copy);
        }
        probes.add(new ProbeLine(
            text(m.get("id")), text(m.get("kind")), HealthStatus.fromWire(text(m.get("status"))),
            text(m.get("severity")), m.get("latency_ms") instanceof Number n ? n.longValue() : 0,
            text(m.get("category")), text(m.get("detail")), text(m.get("remediation")),
            text(m.get("checked_at")), text(m.get("last_success")), history));
      }
      List<SymptomLine> symptoms = new ArrayList<>();
      for (Object o : list(json.get("symptoms"))) {
        Map<?, ?> m = (Map<?, ?>) o;
        symptoms.add(new SymptomLine(
            text(m.get("id")), text(m.get("title")), HealthStatus.fromWire(text(m.get("status"))),
            text(m.get("cause")), text(m.get("fix")), text(m.get("probe")),
            m.get("manual") == null ? "" : text(m.get("manual")),
            list(m.get("probes")).stream().map(String::valueOf).toList()));
      }
      return new Diagnosis(HealthStatus.fromWire(text(json.get("status"))), probes, symptoms);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a sandbox-health report: " + e.getMessage(), e);
    }
  }

  private static List<?> list(Object o) {
    return o == null ? List.of() : (List<?>) o;
  }

  private static String text(Object o) {
    return o == null ? null : String.valueOf(o);
  }

  /**
   * The report for a terminal: one line per probe (status, id, latency, detail; the remediation
   * under each that is not healthy; with {@code history}, its recent runs), then each symptom with
   * its likely cause and fix.
   */
  public String toText(boolean history) {
    StringBuilder out = new StringBuilder();
    int width = probes.stream().mapToInt(p -> p.id().length()).max().orElse(0);
    out.append("probes: ").append(status.wireName()).append('\n');
    for (ProbeLine p : probes) {
      out.append(String.format("  %-9s %-" + width + "s %6s  %s%s%n",
          p.status().wireName(), p.id(), p.latencyMs() + "ms",
          p.category() == null ? "" : "[" + p.category() + "] ", p.detail()));
      if (p.status() != HealthStatus.HEALTHY && p.remediation() != null && !p.remediation().isEmpty()) {
        out.append(" ".repeat(12 + width)).append("fix: ").append(p.remediation()).append('\n');
      }
      if (history && !p.history().isEmpty()) {
        StringBuilder runs = new StringBuilder();
        for (Map<String, Object> h : p.history()) {
          runs.append(runs.isEmpty() ? "" : ", ").append(h.get("status"));
        }
        out.append(" ".repeat(12 + width)).append("history (oldest first): ").append(runs)
            .append(p.lastSuccess() == null ? "" : "; last success " + p.lastSuccess()).append('\n');
      }
    }
    if (!symptoms.isEmpty()) {
      out.append("symptoms:\n");
      for (SymptomLine s : symptoms) {
        out.append(String.format("  %-9s %s (%s)%n", s.status().wireName(), s.id(), s.title()));
        if (s.status() != HealthStatus.HEALTHY || s.probe() != null) {
          out.append("            cause: ").append(s.cause()).append('\n');
        }
        if (s.fix() != null && !s.fix().isEmpty()) {
          out.append("            fix:   ").append(s.fix()).append('\n');
        }
        if (s.status() != HealthStatus.HEALTHY && !s.manual().isEmpty() && !s.fix().contains(s.manual())) {
          out.append("            by hand: ").append(s.manual()).append('\n');
        }
      }
    }
    return out.toString();
  }
}
