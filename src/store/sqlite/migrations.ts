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
]
