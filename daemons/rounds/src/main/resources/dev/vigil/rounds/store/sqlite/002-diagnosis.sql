-- Signature store, schema 2: the diagnosis half. Money is INTEGER micro-USD (exact sums in SQL);
-- times are epoch nanoseconds, as in schema 1.

-- The model budget: one row per model call. state: reserved (cap held), settled (actual charged),
-- released (failed before it cost anything), expired (its holder died; charged as its cap).
-- A row counts against the budget day it was reserved in.
CREATE TABLE budget_ledger (
  id INTEGER PRIMARY KEY,
  day TEXT NOT NULL,                     -- ISO date in the budget time zone
  purpose TEXT NOT NULL,
  holder TEXT NOT NULL,                  -- the gate instance (node, CLI) that reserved it
  cap_micros INTEGER NOT NULL CHECK (cap_micros > 0),
  actual_micros INTEGER,
  state TEXT NOT NULL CHECK (state IN ('reserved', 'settled', 'released', 'expired')),
  reserved_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,           -- a reservation still open then is expired
  closed_at INTEGER
);

CREATE INDEX budget_ledger_by_day ON budget_ledger (day, state);
CREATE INDEX budget_ledger_open ON budget_ledger (state, expires_at);

-- Investigation state per signature: the lease (work stranded by a crash is taken up after
-- lease_until), the failure backoff and what the last diagnosis saw (for the growth rule).
CREATE TABLE investigations (
  signature_id INTEGER PRIMARY KEY REFERENCES signatures (id) ON DELETE CASCADE,
  lease_until INTEGER,
  lease_owner TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,   -- failed attempts since the last diagnosis
  next_attempt_at INTEGER,
  needs_human INTEGER NOT NULL DEFAULT 0 CHECK (needs_human IN (0, 1)),
  last_error TEXT NOT NULL DEFAULT '',
  forced INTEGER NOT NULL DEFAULT 0 CHECK (forced IN (0, 1)),   -- reinvestigate asked for
  diagnosed_count INTEGER,               -- occurrence count at the last diagnosis
  diagnosed_at INTEGER
);

CREATE INDEX investigations_by_lease ON investigations (lease_until);

CREATE TABLE diagnoses (
  id INTEGER PRIMARY KEY,
  signature_id INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
  backend TEXT NOT NULL,
  root_cause TEXT NOT NULL,
  evidence TEXT NOT NULL,                -- a JSON array of strings
  suggested_fix TEXT NOT NULL,
  confidence TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
  model TEXT NOT NULL,
  cost_micros INTEGER,                   -- null: the cost was not reported
  duration_ms INTEGER NOT NULL,
  occurrence_count INTEGER NOT NULL,     -- the signature's count when it was diagnosed
  created_at INTEGER NOT NULL
);

CREATE INDEX diagnoses_by_signature ON diagnoses (signature_id, id);
