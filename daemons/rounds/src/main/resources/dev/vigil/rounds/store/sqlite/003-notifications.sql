-- Signature store, schema 3: the durable notification queue and the per-signature alert state,
-- shared by every dispatcher on the file (the node's DIAGNOSIS daemon, a CLI one-shot, other
-- nodes). Times are epoch nanoseconds, as in schema 1.

-- One row per notification a notifier has not had yet: written before the first attempt, deleted
-- once delivered, parked (kept, never retried) after a permanent failure or too many attempts.
-- Per notifier and signature, rows go out in id order: a row is claimable only when no earlier
-- unparked row of its notifier and signature remains. A claim (claimed_by, claimed_until) is
-- taken in one BEGIN IMMEDIATE transaction, so two dispatchers never send the same row; a claim
-- left by a dead process ends at claimed_until.
CREATE TABLE notification_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a stale claimer cannot hit a new row
  notifier TEXT NOT NULL,                -- stdout, markdown, github_issue
  signature_id INTEGER NOT NULL,         -- no foreign key: the notice outlives a pruned signature
  kind TEXT NOT NULL,                    -- diagnosed, recurred, resolved, regressed (for operators)
  payload TEXT NOT NULL,                 -- the notification as versioned JSON
  attempts INTEGER NOT NULL DEFAULT 0,   -- failed attempts so far
  due_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  parked INTEGER NOT NULL DEFAULT 0 CHECK (parked IN (0, 1)),
  claimed_by TEXT,                       -- the dispatcher sending it now, or null
  claimed_until INTEGER,
  created_at INTEGER NOT NULL
);

CREATE INDEX notification_queue_by_chain ON notification_queue (notifier, signature_id, parked, id);
CREATE INDEX notification_queue_by_due ON notification_queue (parked, due_at);

-- The last alert (diagnosed or recurred notification) told about each signature: the cooldown
-- runs from last_alert_at, and a recurrence is told when the count grew past notified_count.
CREATE TABLE notification_alerts (
  signature_id INTEGER PRIMARY KEY,
  last_alert_at INTEGER NOT NULL,
  notified_count INTEGER NOT NULL,
  kind TEXT NOT NULL
);
