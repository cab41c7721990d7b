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
  // Webhooks and their outbox. An event's deliveries are written by triggers, so every write that
  // asks or closes a question or finishes a run — whichever statement or function makes it —
  // queues them in its own transaction. The triggers are deferred to the commit, so the run they
  // report is as the transaction leaves it; they queue in the order the changes were made (a
  // question closed before its run finished). The JSON is webhook-events.ts's, built here.
  `
  CREATE TABLE webhooks (
    id text PRIMARY KEY,
    user_id text NOT NULL,
    url text NOT NULL,
    events text[] NOT NULL,
    secret text NOT NULL,
    description text,
    created_at text NOT NULL
  );
  CREATE INDEX webhooks_by_user ON webhooks (user_id, created_at);
  CREATE TABLE webhook_deliveries (
    position bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    webhook_id text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id text NOT NULL,
    type text NOT NULL,
    run_id text NOT NULL,
    body text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    attempts text NOT NULL DEFAULT '[]',
    next_attempt_at timestamptz DEFAULT now(),
    created_at text NOT NULL,
    lease_until timestamptz,
    token bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, run_id, position) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, position);
  CREATE INDEX webhook_deliveries_by_run ON webhook_deliveries (run_id);

  -- Registers a webhook unless its user has p_max already: one create at a time per user, so the count holds.
  CREATE FUNCTION parley_create_webhook(p_id text, p_user text, p_url text, p_events text[], p_secret text, p_description text,
    p_created_at text, p_max integer) RETURNS boolean LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_user, 1));
    IF (SELECT count(*) FROM webhooks WHERE user_id = p_user) >= p_max THEN RETURN false; END IF;
    INSERT INTO webhooks (id, user_id, url, events, secret, description, created_at)
    VALUES (p_id, p_user, p_url, p_events, p_secret, p_description, p_created_at);
    RETURN true;
  END
  $fn$;

  -- Queues one event for the subscribed webhooks of p_users: its data is p_owners' for the run's owner and p_others' for
  -- anyone else (they differ in "mine"). json, not jsonb: the body keeps the order it was built in.
  CREATE FUNCTION parley_queue_event(p_type text, p_run text, p_owner text, p_users text[], p_owners json, p_others json)
  RETURNS void LANGUAGE plpgsql AS $fn$
  DECLARE
    event_id text := gen_random_uuid()::text;
    at text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  BEGIN
    INSERT INTO webhook_deliveries (id, webhook_id, event_id, type, run_id, body, created_at)
    SELECT gen_random_uuid()::text, w.id, event_id, p_type, p_run,
      json_build_object('id', event_id, 'type', p_type, 'timestamp', at,
        'data', CASE WHEN w.user_id = p_owner THEN p_owners ELSE p_others END)::text,
      at
    FROM webhooks w WHERE w.user_id = ANY (p_users) AND p_type = ANY (w.events)
    ORDER BY w.created_at, w.id;
    IF FOUND THEN PERFORM pg_notify(current_schema() || '_webhook', ''); END IF;
  END
  $fn$;

  CREATE FUNCTION parley_question_event() RETURNS trigger LANGUAGE plpgsql AS $fn$
  DECLARE
    r runs;
    q json := NEW.question::json;
    users text[];
  BEGIN
    SELECT * INTO r FROM runs WHERE id = NEW.run_id;
    users := ARRAY[r.user_id] || coalesce(ARRAY(SELECT json_array_elements_text(q->'content'->'assignees')), '{}');
    PERFORM parley_queue_event(
      CASE WHEN TG_OP = 'INSERT' THEN 'question.created' ELSE 'question.closed' END, r.id, r.user_id, users,
      json_build_object('question', q, 'status', NEW.status,
        'run', json_build_object('id', r.id, 'workflow', r.workflow, 'status', r.status, 'created_at', r.created_at),
        'expires_at', q->'content'->'expires_at', 'mine', true),
      json_build_object('question', q, 'status', NEW.status,
        'run', json_build_object('id', r.id, 'workflow', r.workflow, 'status', r.status, 'created_at', r.created_at),
        'expires_at', q->'content'->'expires_at', 'mine', false));
    RETURN NULL;
  END
  $fn$;
  CREATE CONSTRAINT TRIGGER question_asked_webhooks AFTER INSERT ON questions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION parley_question_event();
  CREATE CONSTRAINT TRIGGER question_closed_webhooks AFTER UPDATE OF status ON questions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status = 'pending' AND NEW.status <> 'pending')
    EXECUTE FUNCTION parley_question_event();

  CREATE FUNCTION parley_run_event() RETURNS trigger LANGUAGE plpgsql AS $fn$
  DECLARE
    r runs;
    run json;
  BEGIN
    SELECT * INTO r FROM runs WHERE id = NEW.id;
    run := json_build_object('id', r.id, 'workflow', r.workflow, 'status', r.status, 'params', r.params::json,
      'result', r.result, 'error', r.error::json, 'pending_question', r.pending_question::json, 'last_seq', r.last_seq,
      'usage', r.usage::json, 'created_at', r.created_at, 'updated_at', r.updated_at, 'finished_at', r.finished_at);
    PERFORM parley_queue_event('run.finished', r.id, r.user_id, ARRAY[r.user_id], run, run);
    RETURN NULL;
  END
  $fn$;
  CREATE CONSTRAINT TRIGGER run_finished_webhooks AFTER UPDATE OF status ON runs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status NOT IN ('completed', 'failed', 'cancelled') AND NEW.status IN ('completed', 'failed', 'cancelled'))
    EXECUTE FUNCTION parley_run_event();
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
