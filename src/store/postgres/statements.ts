/**
 * The PostgreSQL store's writes. The frequent ones (an append, a journaled effect) are one
 * statement each — data-modifying CTEs around the UPDATE that locks the run's row and decides
 * the seq — so they cost one round trip and no explicit transaction: every statement is atomic.
 * The ones that must read before they decide (a create under the per-user limit, a reply, an
 * expiry, the end of a run) are one call each of a PL/pgSQL function (migrations.ts). Every write
 * notifies in its statement.
 */

const ACTIVE = "status NOT IN ('completed', 'failed', 'cancelled')"
const FENCED = '($2::bigint IS NULL OR lease_token = $2::bigint)'

/**
 * $1 run, $2 lease token, $3 now, $4 message id, $5 prefix, $6 suffix, $7 is a question,
 * $8 new status, $9 type, $10 expires_at, $11–$16 the journal entry (position … outcome),
 * $17 the run channel, $18 origin.
 */
export const APPEND = `
WITH r AS (
  UPDATE runs SET last_seq = last_seq + 1, updated_at = $3,
    status = CASE WHEN $7::boolean THEN 'awaiting_input' ELSE coalesce($8::text, status) END,
    pending_question = CASE WHEN $7::boolean THEN $5::text || (last_seq + 1) || $6::text ELSE pending_question END
  WHERE id = $1 AND ${ACTIVE} AND ${FENCED}
  RETURNING last_seq, status
), m AS (
  INSERT INTO messages (run_id, seq, id, type, body) SELECT $1, last_seq, $4, $9, $5::text || last_seq || $6::text FROM r
), q AS (
  INSERT INTO questions (id, run_id, status, question, expires_at)
  SELECT $4, $1, 'pending', $5::text || last_seq || $6::text, $10::timestamptz FROM r WHERE $7::boolean
), j AS (
  INSERT INTO journal (run_id, position, kind, name, fingerprint, summary, outcome, seq, created_at)
  SELECT $1, $11::int, $12, $13, $14, $15, $16, last_seq, $3 FROM r WHERE $11::int IS NOT NULL
), n AS (
  SELECT pg_notify($17, $18 || '|' || $1 || '|' || last_seq || '|' || status) FROM r
)
SELECT last_seq, status, (SELECT count(*) FROM n) AS notified FROM r`

/** $1 run, $2 lease token, $3–$8 the journal entry (position … outcome), $9 now. */
export const RECORD_EFFECT = `
WITH r AS (SELECT id FROM runs WHERE id = $1 AND ${ACTIVE} AND ${FENCED} FOR UPDATE)
INSERT INTO journal (run_id, position, kind, name, fingerprint, summary, outcome, seq, created_at)
SELECT $1, $3::int, $4, $5, $6, $7, $8, NULL, $9 FROM r
RETURNING position`

/** The same with an LLM call's usage added to the run's: $10–$12 tokens, $13 the run channel, $14 origin; $3 NULL: no journal. */
export const RECORD_USAGE = `
WITH r AS (
  UPDATE runs SET updated_at = $9, usage = json_build_object(
    'prompt_tokens', (usage::json->>'prompt_tokens')::int + $10::int,
    'completion_tokens', (usage::json->>'completion_tokens')::int + $11::int,
    'total_tokens', (usage::json->>'total_tokens')::int + $12::int)::text
  WHERE id = $1 AND ${ACTIVE} AND ${FENCED}
  RETURNING last_seq, status
), j AS (
  INSERT INTO journal (run_id, position, kind, name, fingerprint, summary, outcome, seq, created_at)
  SELECT $1, $3::int, $4, $5, $6, $7, $8, NULL, $9 FROM r WHERE $3::int IS NOT NULL
), n AS (
  SELECT pg_notify($13, $14 || '|' || $1 || '|' || last_seq || '|' || status) FROM r
)
SELECT last_seq, status, (SELECT count(*) FROM n) AS notified FROM r`

/** Why a fenced write found no run to change: none, finished, or another lease. */
export const RUN_STATE = 'SELECT status, lease_token FROM runs WHERE id = $1'

export const GET_QUESTION = `
SELECT q.status, q.question, q.answer, m.body AS reply
FROM questions q LEFT JOIN messages m ON m.id = q.reply_id WHERE q.id = $1 AND q.run_id = $2`

/** GET_QUESTION for a user ($3): only if the run is theirs or the question names them among its assignees. */
export const GET_QUESTION_FOR = `
SELECT q.status, q.question, q.answer, m.body AS reply
FROM questions q JOIN runs r ON r.id = q.run_id LEFT JOIN messages m ON m.id = q.reply_id
WHERE q.id = $1 AND q.run_id = $2 AND (r.user_id = $3 OR (q.question::jsonb->'content'->'assignees') ? $3)`

/** The run given up by its worker ($2 its token): parked ($3) or ready at once; $4 a sleep's end; $5 the runnable channel, $6 origin. */
export const RELEASE_LEASE = `
WITH r AS (
  UPDATE runs SET lease_owner = NULL, ready_at = CASE
    WHEN NOT $3::boolean THEN now()
    WHEN status = 'awaiting_input' THEN (pending_question::json->'content'->>'expires_at')::timestamptz
    WHEN $4::float8 IS NOT NULL THEN to_timestamp($4::float8 / 1000)
    ELSE now() END
  WHERE id = $1 AND lease_token = $2::bigint AND ${ACTIVE}
  RETURNING ready_at
), n AS (
  SELECT pg_notify($5, $6 || '|' || $1) FROM r WHERE ready_at IS NOT NULL
)
SELECT ready_at IS NOT NULL AS ready, (SELECT count(*) FROM n) AS notified FROM r`

/**
 * Retention: up to $2 runs finished before $1, oldest first, deleted with their journal, questions,
 * messages and webhook deliveries in one statement (the foreign keys are checked at its end, when all are gone). A
 * run another process is deleting right now is skipped, not waited for.
 */
export const DELETE_FINISHED = `
WITH due AS (
  SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < $1 ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED
), j AS (
  DELETE FROM journal WHERE run_id IN (SELECT id FROM due)
), q AS (
  DELETE FROM questions WHERE run_id IN (SELECT id FROM due)
), m AS (
  DELETE FROM messages WHERE run_id IN (SELECT id FROM due)
), w AS (
  DELETE FROM webhook_deliveries WHERE run_id IN (SELECT id FROM due)
), r AS (
  DELETE FROM runs WHERE id IN (SELECT id FROM due) RETURNING id
)
SELECT count(*) AS n FROM r`

export const CREATE_RUN = 'SELECT parley_create_run($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) AS outcome'
export const SETTLE_QUESTION = 'SELECT parley_settle_question($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) AS outcome'
export const FINISH_RUN = 'SELECT parley_finish_run($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) AS outcome'
