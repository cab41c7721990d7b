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
  -- The writes that must read before they decide, each one call: a statement of their own per step
  -- (in READ COMMITTED every statement of a volatile function sees what committed before it), in
  -- the implicit transaction of the call. Their rules are the Store interface's (src/store/store.ts),
  -- which the store contract suite checks on every backend.
  CREATE FUNCTION parley_create_run(p_id text, p_user text, p_workflow text, p_params text, p_usage text, p_now text,
    p_key text, p_hash text, p_owner text, p_lease_ms integer, p_max integer, p_channel text, p_origin text)
  RETURNS json LANGUAGE plpgsql AS $fn$
  DECLARE
    existing runs;
    active bigint;
  BEGIN
    -- One create at a time per user: the idempotency lookup and the active-run count hold.
    PERFORM pg_advisory_xact_lock(hashtextextended(p_user, 0));
    IF p_key IS NOT NULL THEN
      SELECT * INTO existing FROM runs WHERE user_id = p_user AND idempotency_key = p_key;
      IF FOUND THEN RETURN json_build_object('kind', 'existing', 'run', row_to_json(existing)); END IF;
    END IF;
    SELECT count(*) INTO active FROM runs WHERE user_id = p_user AND status NOT IN ('completed', 'failed', 'cancelled');
    IF active >= p_max THEN RETURN json_build_object('kind', 'limit_reached', 'active', active); END IF;
    INSERT INTO runs (id, user_id, workflow, status, params, last_seq, usage, created_at, updated_at, idempotency_key, request_hash,
      lease_owner, lease_token, ready_at)
    VALUES (p_id, p_user, p_workflow, 'queued', p_params, 0, p_usage, p_now, p_now, p_key, p_hash,
      p_owner, CASE WHEN p_owner IS NULL THEN 0 ELSE 1 END, now() + p_lease_ms * interval '1 millisecond');
    IF p_owner IS NULL THEN PERFORM pg_notify(p_channel, p_origin || '|' || p_id); END IF;
    RETURN json_build_object('kind', 'created');
  END
  $fn$;

  -- Settles a pending question: a reply (p_reply_id set) or its expiry (p_token: the expiring worker's lease).
  CREATE FUNCTION parley_settle_question(p_run text, p_question text, p_status text, p_answer text, p_message_id text,
    p_type text, p_prefix text, p_suffix text, p_now text, p_deadline timestamptz, p_token bigint,
    p_run_channel text, p_runnable_channel text, p_origin text)
  RETURNS json LANGUAGE plpgsql AS $fn$
  DECLARE
    r runs;
    q questions;
    reply_body text;
    seq integer;
    ready boolean;
  BEGIN
    -- The run's row first, then the question's: every writer locks in that order.
    SELECT * INTO r FROM runs WHERE id = p_run FOR UPDATE;
    IF NOT FOUND THEN RETURN json_build_object('kind', 'not_found'); END IF;
    IF p_token IS NOT NULL AND r.lease_token <> p_token AND r.status NOT IN ('completed', 'failed', 'cancelled') THEN
      RETURN json_build_object('kind', 'lease_lost');
    END IF;
    SELECT * INTO q FROM questions WHERE id = p_question AND run_id = p_run FOR UPDATE;
    IF NOT FOUND THEN RETURN json_build_object('kind', 'not_found'); END IF;
    IF q.status = 'answered' THEN
      SELECT body INTO reply_body FROM messages WHERE id = q.reply_id;
      RETURN json_build_object('kind', 'answered', 'answer', q.answer, 'reply', reply_body);
    END IF;
    IF q.status <> 'pending' THEN RETURN json_build_object('kind', 'not_pending', 'status', q.status); END IF;
    -- Past its deadline a question takes no reply, even before the runtime has expired it.
    IF p_status = 'answered' AND q.expires_at IS NOT NULL AND q.expires_at <= p_deadline THEN
      RETURN json_build_object('kind', 'not_pending', 'status', 'expired');
    END IF;
    IF r.status IN ('completed', 'failed', 'cancelled') THEN RETURN json_build_object('kind', 'finished'); END IF;
    UPDATE questions SET status = p_status, answer = p_answer,
      reply_id = CASE WHEN p_status = 'answered' THEN p_message_id END WHERE id = p_question;
    -- A run no worker holds (parked, or its worker gone) is ready again at once.
    ready := r.lease_owner IS NULL OR r.ready_at <= now();
    UPDATE runs SET last_seq = last_seq + 1, updated_at = p_now, status = 'running', pending_question = NULL,
      lease_owner = CASE WHEN ready THEN NULL ELSE lease_owner END, ready_at = CASE WHEN ready THEN now() ELSE ready_at END
    WHERE id = p_run RETURNING last_seq INTO seq;
    INSERT INTO messages (run_id, seq, id, type, body) VALUES (p_run, seq, p_message_id, p_type, p_prefix || seq || p_suffix);
    PERFORM pg_notify(p_run_channel, p_origin || '|' || p_run || '|' || seq || '|running');
    IF ready THEN PERFORM pg_notify(p_runnable_channel, p_origin || '|' || p_run); END IF;
    RETURN json_build_object('kind', 'settled', 'seq', seq, 'ready', ready);
  END
  $fn$;

  -- Ends an active run: the pending question takes p_question_status, the messages are appended in
  -- order, the journal is dropped and the lease ends.
  CREATE FUNCTION parley_finish_run(p_run text, p_token bigint, p_question_status text, p_status text, p_result text,
    p_error text, p_finished_at text, p_now text, p_ids text[], p_types text[], p_prefixes text[], p_suffixes text[],
    p_run_channel text, p_finished_channel text, p_origin text)
  RETURNS json LANGUAGE plpgsql AS $fn$
  DECLARE
    r runs;
    base integer;
    n integer := coalesce(array_length(p_ids, 1), 0);
  BEGIN
    SELECT * INTO r FROM runs WHERE id = p_run FOR UPDATE;
    IF NOT FOUND OR r.status IN ('completed', 'failed', 'cancelled') THEN RETURN json_build_object('kind', 'finished'); END IF;
    IF p_token IS NOT NULL AND r.lease_token <> p_token THEN RETURN json_build_object('kind', 'lease_lost'); END IF;
    UPDATE questions SET status = p_question_status WHERE run_id = p_run AND status = 'pending';
    base := r.last_seq;
    FOR i IN 1 .. n LOOP
      INSERT INTO messages (run_id, seq, id, type, body) VALUES (p_run, base + i, p_ids[i], p_types[i], p_prefixes[i] || (base + i) || p_suffixes[i]);
    END LOOP;
    UPDATE runs SET status = p_status, result = p_result, error = p_error, finished_at = p_finished_at, updated_at = p_now,
      last_seq = base + n, pending_question = NULL, lease_owner = NULL, ready_at = NULL
    WHERE id = p_run RETURNING * INTO r;
    DELETE FROM journal WHERE run_id = p_run;
    PERFORM pg_notify(p_run_channel, p_origin || '|' || p_run || '|' || r.last_seq || '|' || r.status);
    PERFORM pg_notify(p_finished_channel, p_origin || '|' || p_run);
    RETURN json_build_object('kind', 'done', 'run', row_to_json(r));
  END
  $fn$;
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
  // Retention: the sweep finds finished runs by when they finished and unfinished ones by age, and
  // deletes a run's questions by run.
  `
  CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
  CREATE INDEX runs_active_by_age ON runs (created_at) WHERE status NOT IN ('completed', 'failed', 'cancelled');
  CREATE INDEX questions_by_run ON questions (run_id);
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
