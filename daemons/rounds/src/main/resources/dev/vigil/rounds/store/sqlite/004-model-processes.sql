-- Signature store: the model processes running now (the claude CLI), so that a node that dies
-- during a call leaves a record the next start acts on: it kills the left-over process group and
-- settles the call's budget reservation as expired. A row is written once the process started
-- (before it is given its prompt) and deleted once its group was killed or ended.
-- Times are epoch nanoseconds.
CREATE TABLE model_processes (
  id INTEGER PRIMARY KEY,
  host TEXT NOT NULL,                    -- where it runs: a pid means nothing on another host
  pid INTEGER NOT NULL,                  -- the process; with own_group, also its process group id
  own_group INTEGER NOT NULL CHECK (own_group IN (0, 1)),   -- started as a group (and session) leader
  started_at INTEGER,                    -- its start as the OS reports it; null: unknown, never killed
  owner TEXT NOT NULL,                   -- the investigator (lease owner) that started it
  owner_pid INTEGER NOT NULL,            -- that investigator's JVM...
  owner_started_at INTEGER,              -- ...and its start as the OS reports it (null: unknown)
  reservation_id INTEGER REFERENCES budget_ledger (id),   -- the call's budget reservation, if any
  recorded_at INTEGER NOT NULL
);

CREATE INDEX model_processes_by_host ON model_processes (host);
