package dev.vigil.rounds.investigation;

import dev.vigil.rounds.AuditEntry;
import dev.vigil.rounds.Sample;
import dev.vigil.rounds.Signature;
import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.notify.NotificationQueue;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON documents of signature management, as maps of plain values (strings, numbers,
 * booleans, lists, maps, null) any JSON writer renders the same: {@code vigil signatures list
 * --json} and {@code GET /api/signatures} print {@link #list}, {@code show --json} and {@code GET
 * /api/signatures/{id}} print {@link #detail}, {@code diagnose-signature} and its endpoint {@link
 * #diagnosis(long, Investigator.Result)}, {@code investigate} and its endpoint {@link #report},
 * {@code vigil notifications --json} and {@code GET /api/notifications} {@link #notifications},
 * {@code notifications retry --json} and its endpoints {@link #retried}.
 * One copy, so the CLI and the HTTP API cannot drift. Instants are ISO-8601 strings; keys are
 * snake case and always present (null when absent).
 */
public final class ManagementJson {
  private ManagementJson() {}

  /** The list document: one {@link #signature(Management.Listed)} per signature. */
  public static List<Map<String, Object>> list(List<Management.Listed> signatures) {
    return signatures.stream().map(ManagementJson::signature).toList();
  }

  /**
   * A signature as the list shows it, with its latest diagnosis ({@code null} when it has none)
   * and its investigator state.
   */
  public static Map<String, Object> signature(Management.Listed listed) {
    Signature s = listed.signature();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("fingerprint", s.fingerprint());
    m.put("fingerprint_version", s.fingerprintVersion());
    m.put("service", s.service());
    m.put("error_type", s.errorType());
    m.put("message_template", s.messageTemplate());
    m.put("status", s.status().wireName());
    m.put("regression", s.regression());
    m.put("occurrence_count", s.occurrenceCount());
    m.put("first_seen", text(s.firstSeen()));
    m.put("last_seen", text(s.lastSeen()));
    m.put("status_changed_at", text(s.statusChangedAt()));
    m.put("frames", s.frames());
    m.put("diagnosis", listed.latest().map(ManagementJson::diagnosis).orElse(null));
    m.put("investigation", investigation(listed.state()));
    return m;
  }

  /** One signature in full: the list's fields, then every diagnosis, the samples and the audit trail. */
  public static Map<String, Object> detail(Management.Detail d) {
    Map<String, Object> m = signature(d.listed());
    m.put("diagnoses", d.diagnoses().stream().map(ManagementJson::diagnosis).toList());
    m.put("samples", d.samples().stream().map(ManagementJson::sample).toList());
    m.put("audit", d.audit().stream().map(ManagementJson::audit).toList());
    return m;
  }

  /** What a one-shot diagnosis of signature {@code id} did: outcome, diagnosis, state after. */
  public static Map<String, Object> diagnosis(long id, Investigator.Result r) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("signature_id", id);
    doc.put("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
    doc.put("diagnosis", r.diagnosis().map(ManagementJson::diagnosis).orElse(null));
    doc.put("investigation", investigation(r.state()));
    return doc;
  }

  /** What one investigation cycle did. */
  public static Map<String, Object> report(Investigator.Report r) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("started", r.started());
    doc.put("diagnosed", r.diagnosed());
    doc.put("notifications_retried", r.notificationsRetried());
    return doc;
  }

  /** A stored diagnosis. */
  public static Map<String, Object> diagnosis(StoredDiagnosis stored) {
    Diagnosis d = stored.diagnosis();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("root_cause", d.rootCause());
    m.put("evidence", d.evidence());
    m.put("suggested_fix", d.suggestedFix());
    m.put("confidence", d.confidence().wireName());
    m.put("model", d.model());
    m.put("cost_usd", d.costUsd().orElse(null));
    m.put("duration_ms", d.duration().toMillis());
    m.put("backend", stored.backend());
    m.put("occurrence_count", stored.occurrenceCount());
    m.put("diagnosed_at", text(stored.createdAt()));
    return m;
  }

  /** The investigator state of a signature. */
  public static Map<String, Object> investigation(InvestigationState st) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("attempts", st.attempts());
    m.put("needs_human", st.needsHuman());
    m.put("next_attempt_at", text(st.nextAttemptAt()));
    m.put("last_error", st.lastError());
    m.put("lease_until", text(st.leaseUntil()));
    m.put("lease_owner", st.leaseOwner());
    return m;
  }

  /** The notification queue's entries: one {@link #notification} each. */
  public static List<Map<String, Object>> notifications(List<NotificationQueue.Pending> entries) {
    return entries.stream().map(ManagementJson::notification).toList();
  }

  /** One entry of the notification queue, with its signature's id, headline and service. */
  public static Map<String, Object> notification(NotificationQueue.Pending p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    m.put("notifier", p.notifier());
    m.put("kind", p.notification().kind());
    m.put("signature_id", p.notification().signature().id());
    m.put("headline", p.notification().signature().headline());
    m.put("service", p.notification().signature().service());
    m.put("attempts", p.attempts());
    m.put("due_at", text(p.dueAt()));
    m.put("parked", p.parked());
    m.put("claimed_by", p.claimedBy().isEmpty() ? null : p.claimedBy());
    m.put("claimed_until", text(p.claimedUntil()));
    m.put("last_error", p.lastError());
    return m;
  }

  /** What a retry did: the entries put back in line ({@code retried}) and the ids it refused. */
  public static Map<String, Object> retried(NotificationQueue.Retried r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("retried", notifications(r.entries()));
    m.put("missing", r.missing());
    m.put("not_parked", r.notParked());
    return m;
  }

  private static Map<String, Object> sample(Sample s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trace_id", s.traceId());
    m.put("span_id", s.spanId());
    m.put("time", text(s.time()));
    m.put("message", s.message());
    m.put("source", s.source());
    return m;
  }

  private static Map<String, Object> audit(AuditEntry a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("at", text(a.at()));
    m.put("actor", a.actor());
    m.put("from", a.from() == null ? null : a.from().wireName());
    m.put("to", a.to().wireName());
    m.put("regression", a.regression());
    m.put("reason", a.reason());
    return m;
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
