import { RUN_COLUMNS } from './rows.ts'

/**
 * The PostgreSQL store's writes. The frequent ones (an append, a journaled effect) are one
 * statement each — data-modifying CTEs around the UPDATE that locks the run's row and decides
 * the seq — so they cost one round trip and no explicit transaction: every statement is atomic.
 * The rare ones that must read before they decide (a reply, an expiry, the end of a run) are a
 * short transaction: lock, read, one statement, commit. Every write notifies in its statement.
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

/** The run, locked for the rest of the transaction, with its lease. */
export const LOCK_RUN = `SELECT ${RUN_COLUMNS}, lease_token, lease_owner, ready_at FROM runs WHERE id = $1 FOR UPDATE`

/** A question of the run, locked; `expired`: its deadline ($3, now) has passed; `reply`: the reply message. */
export const LOCK_QUESTION = `
SELECT q.status, q.question, q.answer, m.body AS reply, coalesce(q.expires_at <= $3::timestamptz, false) AS expired
FROM questions q LEFT JOIN messages m ON m.id = q.reply_id
WHERE q.id = $1 AND q.run_id = $2 FOR UPDATE OF q`

export const GET_QUESTION = `
SELECT q.status, q.question, q.answer, m.body AS reply
FROM questions q LEFT JOIN messages m ON m.id = q.reply_id WHERE q.id = $1 AND q.run_id = $2`

/**
 * Settles the locked question and appends its message. $1 run, $2 question, $3 the question's new
 * status, $4 answer, $5 message id (the reply's, or the expiry's), $6 prefix, $7 suffix, $8 now,
 * $9 type, $10 reply id (null for an expiry), $11 the run channel, $12 the runnable channel, $13 origin.
 * A run no worker holds (parked, or its worker gone) is ready again at once.
 */
export const SETTLE_QUESTION = `
WITH q AS (
  UPDATE questions SET status = $3, answer = $4, reply_id = $10 WHERE id = $2
), r AS (
  UPDATE runs SET last_seq = last_seq + 1, updated_at = $8, status = 'running', pending_question = NULL,
    lease_owner = CASE WHEN lease_owner IS NULL OR ready_at <= now() THEN NULL ELSE lease_owner END,
    ready_at = CASE WHEN lease_owner IS NULL OR ready_at <= now() THEN now() ELSE ready_at END
  WHERE id = $1
  RETURNING last_seq, status, ready_at <= now() AS ready
), m AS (
  INSERT INTO messages (run_id, seq, id, type, body) SELECT $1, last_seq, $5, $9, $6::text || last_seq || $7::text FROM r
), n AS (
  SELECT pg_notify($11, $13 || '|' || $1 || '|' || last_seq || '|' || status) FROM r
), w AS (
  SELECT pg_notify($12, $13 || '|' || $1) FROM r WHERE ready
)
SELECT last_seq, status, ready, (SELECT count(*) FROM n) + (SELECT count(*) FROM w) AS notified FROM r`

/**
 * Ends the locked run: its pending question takes $2, the drafts are appended in order, its
 * journal is dropped and its lease ends. $1 run, $3 status, $4 result, $5 error, $6 finished_at,
 * $7 now, $8 how many messages, $9–$12 their ids, types, prefixes and suffixes, $13 the run
 * channel, $14 the finished channel, $15 origin.
 */
export const FINISH_RUN = `
WITH q AS (
  UPDATE questions SET status = $2 WHERE run_id = $1 AND status = 'pending'
), r AS (
  UPDATE runs SET status = $3, result = $4, error = $5, finished_at = $6, updated_at = $7, last_seq = last_seq + $8::int,
    pending_question = NULL, lease_owner = NULL, ready_at = NULL
  WHERE id = $1
  RETURNING last_seq - $8::int AS base, ${RUN_COLUMNS}
), m AS (
  INSERT INTO messages (run_id, seq, id, type, body)
  SELECT $1, r.base + d.ord, d.id, d.type, d.prefix || (r.base + d.ord) || d.suffix
  FROM r, unnest($9::text[], $10::text[], $11::text[], $12::text[]) WITH ORDINALITY AS d (id, type, prefix, suffix, ord)
), j AS (
  DELETE FROM journal WHERE run_id = $1
), n AS (
  SELECT pg_notify($13, $15 || '|' || $1 || '|' || last_seq || '|' || status), pg_notify($14, $15 || '|' || $1) FROM r
)
SELECT ${RUN_COLUMNS}, (SELECT count(*) FROM n) AS notified FROM r`

/** After the per-user lock: the count and the insert in one statement. $1–$15 the run, $16 owner, $17 token, $18 lease ms, $19 limit, $20 the runnable channel, $21 origin. */
export const CREATE_RUN = `
WITH active AS (
  SELECT count(*) AS n FROM runs WHERE user_id = $2 AND ${ACTIVE}
), ins AS (
  INSERT INTO runs (${RUN_COLUMNS}, lease_owner, lease_token, ready_at)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now() + $18 * interval '1 millisecond'
  FROM active WHERE n < $19
  RETURNING id
), w AS (
  SELECT pg_notify($20, $21 || '|' || $1) FROM ins WHERE $16::text IS NULL
)
SELECT (SELECT n FROM active) AS active, (SELECT count(*) FROM ins) AS inserted, (SELECT count(*) FROM w) AS notified`
