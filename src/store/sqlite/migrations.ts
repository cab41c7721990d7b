/** Schema versions, applied in order and recorded in `PRAGMA user_version`. Append; never edit. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    workflow TEXT NOT NULL,
    status TEXT NOT NULL,
    params TEXT NOT NULL,
    result TEXT,
    error TEXT,
    pending_question TEXT,
    last_seq INTEGER NOT NULL,
    usage TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT,
    idempotency_key TEXT,
    request_hash TEXT
  );
  CREATE UNIQUE INDEX runs_idempotency ON runs (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX runs_by_user ON runs (user_id, created_at DESC, id DESC);
  CREATE INDEX runs_by_status ON runs (status);
  CREATE TABLE messages (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE questions (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id),
    status TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT,
    reply TEXT
  );
  `,
  // The per-user limit counts unfinished runs on every create; without this index that count
  // reads every run the user ever made (the round-trip bench slowed as runs piled up). The
  // WHERE must stay word for word the one in sqlite-store's countActive for SQLite to use it.
  `
  CREATE INDEX runs_active_by_user ON runs (user_id) WHERE status NOT IN ('completed', 'failed', 'cancelled');
  `,
  // Durable runs: the journal of each unfinished run's effects (replayed on resume), the server
  // that holds the file, and question deadlines — stored questions get the new content fields
  // (null: no deadline), so every stored message still matches the contract.
  `
  CREATE TABLE journal (
    run_id TEXT NOT NULL REFERENCES runs (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    summary TEXT NOT NULL,
    outcome TEXT,
    seq INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
  ) WITHOUT ROWID;
  CREATE TABLE server_owner (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    hostname TEXT NOT NULL,
    started_at TEXT NOT NULL
  );
  UPDATE messages SET body = json_insert(body, '$.content.default', NULL, '$.content.expires_at', NULL, '$.content.on_timeout', NULL)
    WHERE type IN ('text_input', 'multiple_choice');
  UPDATE questions SET question = json_insert(question, '$.content.default', NULL, '$.content.expires_at', NULL, '$.content.on_timeout', NULL);
  UPDATE runs SET pending_question = json_insert(pending_question, '$.content.default', NULL, '$.content.expires_at', NULL, '$.content.on_timeout', NULL)
    WHERE pending_question IS NOT NULL;
  `,
  // Leases: who executes each run (and the fencing token of its writes), and from when a run is
  // ready to be claimed — a lapsed lease, a reply to a parked run, a deadline, a sleep's end.
  // Every unfinished run starts ready.
  `
  ALTER TABLE runs ADD COLUMN lease_owner TEXT;
  ALTER TABLE runs ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN ready_at INTEGER;
  UPDATE runs SET ready_at = 0 WHERE status NOT IN ('completed', 'failed', 'cancelled');
  CREATE INDEX runs_ready ON runs (ready_at) WHERE ready_at IS NOT NULL;
  `,
  // Retention: the sweep finds finished runs by when they finished and unfinished ones by age, and
  // deletes a run's questions by run (the WHEREs must stay word for word sqlite-store's).
  `
  CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
  CREATE INDEX runs_active_by_age ON runs (created_at) WHERE status NOT IN ('completed', 'failed', 'cancelled');
  CREATE INDEX questions_by_run ON questions (run_id);
  `,
  // Webhooks and their outbox: an event's deliveries are written in the transaction of the change
  // it reports; the dispatcher takes due ones in position order, one at a time per run and webhook.
  `
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX webhooks_by_user ON webhooks (user_id, created_at);
  CREATE TABLE webhook_deliveries (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    run_id TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts TEXT NOT NULL,
    next_attempt_at INTEGER,
    created_at TEXT NOT NULL,
    lease_until INTEGER,
    token INTEGER NOT NULL
  );
  CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, run_id, position) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, position);
  CREATE INDEX webhook_deliveries_by_run ON webhook_deliveries (run_id);
  `,
  // No query looks runs up by status alone: listRuns filters a user's (runs_by_user), the active
  // counts use the partial indexes. This one was only written, on every status change of every run.
  `
  DROP INDEX IF EXISTS runs_by_status;
  `,
]
