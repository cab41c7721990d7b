import type pg from 'pg'

/**
 * Schema versions of the PostgreSQL store, applied in order inside the store's schema and
 * recorded in `parley_migrations`. Append; never edit. JSON is kept as text, exactly as written,
 * so every backend serves a message byte for byte as it was appended.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id text PRIMARY KEY,
    user_id text NOT NULL,
    workflow text NOT NULL,
    status text NOT NULL,
    params text NOT NULL,
    result text,
    error text,
    pending_question text,
    last_seq integer NOT NULL,
    usage text NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    finished_at text,
    idempotency_key text,
    request_hash text,
    lease_owner text,
    lease_token bigint NOT NULL DEFAULT 0,
    ready_at timestamptz
  );
  CREATE UNIQUE INDEX runs_idempotency ON runs (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX runs_by_user ON runs (user_id, created_at DESC, id DESC);
  CREATE INDEX runs_active_by_user ON runs (user_id) WHERE status NOT IN ('completed', 'failed', 'cancelled');
  CREATE INDEX runs_ready ON runs (ready_at) WHERE ready_at IS NOT NULL;
  CREATE TABLE messages (
    run_id text NOT NULL REFERENCES runs (id),
    seq integer NOT NULL,
    id text NOT NULL UNIQUE,
    type text NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (run_id, seq)
  );
  CREATE TABLE questions (
    id text PRIMARY KEY,
    run_id text NOT NULL REFERENCES runs (id),
    status text NOT NULL,
    question text NOT NULL,
    expires_at timestamptz,
    answer text,
    reply_id text
  );
  CREATE INDEX questions_pending ON questions (run_id) WHERE status = 'pending';
  CREATE TABLE journal (
    run_id text NOT NULL REFERENCES runs (id),
    position integer NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    fingerprint text NOT NULL,
    summary text NOT NULL,
    outcome text,
    seq integer,
    created_at text NOT NULL,
    PRIMARY KEY (run_id, position)
  );
  `,
]

/** Any number, the same in every Parley: serializes concurrent migrations of one database. */
const MIGRATION_LOCK = 7_071_966_581

/**
 * Brings `schema` up to the newest version, in one transaction, whoever else is starting at the
 * same moment (an advisory lock makes the others wait, then find nothing to do). Returns the
 * versions it applied.
 */
export async function migrate(client: pg.ClientBase, schema: string): Promise<number[]> {
  const quoted = client.escapeIdentifier(schema)
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`)
    await client.query(`SET LOCAL search_path = ${quoted}`)
    await client.query(
      'CREATE TABLE IF NOT EXISTS parley_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    )
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM parley_migrations')
    const current = rows[0]?.version ?? 0
    const applied: number[] = []
    for (const [index, sql] of MIGRATIONS.entries()) {
      const version = index + 1
      if (version <= current) continue
      await client.query(sql)
      await client.query('INSERT INTO parley_migrations (version) VALUES ($1)', [version])
      applied.push(version)
    }
    await client.query('COMMIT')
    return applied
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}
