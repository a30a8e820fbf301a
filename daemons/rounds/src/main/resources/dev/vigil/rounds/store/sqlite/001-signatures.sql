-- Signature store, schema 1. Times are epoch nanoseconds (INTEGER), so the identity of an event
-- keeps the full precision telemetry sends.

CREATE TABLE signatures (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  fingerprint_version INTEGER NOT NULL,
  service TEXT NOT NULL,
  error_type TEXT NOT NULL,
  message_template TEXT NOT NULL,
  frames TEXT NOT NULL,                  -- one frame per line
  status TEXT NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'investigating', 'diagnosed', 'resolved', 'muted')),
  regression INTEGER NOT NULL DEFAULT 0 CHECK (regression IN (0, 1)),
  occurrence_count INTEGER NOT NULL CHECK (occurrence_count >= 0),
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  status_changed_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE INDEX signatures_by_last_seen ON signatures (last_seen DESC);
CREATE INDEX signatures_by_status ON signatures (status, last_seen DESC);

-- A bounded ring per signature: slot = (position of the occurrence) mod the ring size.
CREATE TABLE samples (
  signature_id INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
  slot INTEGER NOT NULL,
  occurrence INTEGER NOT NULL,           -- which occurrence it was (1-based), to order the ring
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  time INTEGER NOT NULL,
  message TEXT NOT NULL,
  source TEXT NOT NULL,
  PRIMARY KEY (signature_id, slot)
) WITHOUT ROWID;

-- Everything of a polled source before position has been read.
CREATE TABLE watermarks (
  source TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  backlog_from INTEGER,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Identities of counted events: the event time (8 bytes, big-endian, sign bit flipped) and 8 bytes
-- of SHA-256 over trace id, span id and fingerprint.
CREATE TABLE seen_events (
  identity BLOB PRIMARY KEY,
  time INTEGER NOT NULL,
  source TEXT NOT NULL,
  ingested_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX seen_events_by_ingested_at ON seen_events (ingested_at);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  signature_id INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  regression INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL
);

CREATE INDEX audit_log_by_signature ON audit_log (signature_id, id);
