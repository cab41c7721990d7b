import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { Answer, MessageDraft, Question } from '../../schemas/messages.ts'
import { isQuestion } from '../../schemas/messages.ts'
import { addUsage, isFinished } from '../../schemas/runs.ts'
import { hasExpired, monotonicNow, newMessage, newRunRecord, runAfterAppend, sameAnswer } from '../records.ts'
import type { RunEvents } from '../run-events.ts'
import type { AnswerOutcome, EffectRecord, ExpireOutcome, Fenced, RunChange, RunRecord, Store } from '../store.ts'
import { JournalConflictError, LeaseLostError, RunFinishedError } from '../store.ts'
import { migrate } from './migrations.ts'
import type { Channels } from './notifications.ts'
import { channelsOf, Notifications } from './notifications.ts'
import type { JournalRow, QuestionRow, RunRow } from './rows.ts'
import { RUN_COLUMNS, runValues, toJournalEntry, toQuestion, toRecord } from './rows.ts'
import { unavailable } from './unavailable.ts'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` */
  url: string
  /** The schema the tables live in (created if missing). Default `parley`. */
  schema?: string
  /** Connections in this process's pool, at most. Default 10. */
  poolSize?: number
  /** How long to wait for a connection before answering 503. Default 5 s. */
  connectTimeoutMs?: number
}

const FINISHED_SQL = "('completed', 'failed', 'cancelled')"

type Query = pg.ClientBase

/**
 * PostgreSQL, for several API and worker processes on several machines: any process answers any
 * request, long-polls are woken across processes by LISTEN/NOTIFY, and runs are handed to
 * workers with leases (`FOR UPDATE SKIP LOCKED`). Each write is one transaction that locks its
 * run's row, so seq numbers, journal positions and fencing tokens are decided in the database.
 * Connects lazily: creating the store opens nothing.
 */
export type PostgresStore = Store & {
  /** In-process wake-ups, fed by this process's writes and the other processes' notifications. */
  readonly events: RunEvents
  readonly notifications: Notifications
  /** Brings the schema up to date (done before the first query anyway); the versions it applied. */
  migrate(): Promise<number[]>
}

export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const schema = options.schema ?? 'parley'
  const connection = {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    options: `-c search_path=${pg.escapeIdentifier(schema)}`,
  }
  const pool = new pg.Pool({ ...connection, max: options.poolSize ?? 10, application_name: 'parley' })
  // A connection the server dropped (a restart, a partition) must not take the process down: idle,
  // the pool reports it here; checked out, the client itself does, and the query in flight rejects.
  pool.on('error', () => undefined)
  pool.on('connect', (client) => client.on('error', () => undefined))
  const channels: Channels = channelsOf(schema)
  const notifications = new Notifications({
    client: () => new pg.Client({ ...connection, application_name: 'parley-listener' }),
    channels,
    origin: randomUUID(),
    log: (line) => console.error(`parley: postgres: ${line}`),
  })
  let migrated: Promise<number[]> | null = null

  /** The schema is brought up to date before the first query of this process. */
  const ready = (): Promise<number[]> => {
    migrated ??= (async () => {
      const client = await pool.connect().catch((error: unknown) => {
        throw unavailable(error)
      })
      try {
        return await migrate(client, schema)
      } finally {
        client.release()
      }
    })().catch((error: unknown) => {
      migrated = null
      throw unavailable(error)
    })
    return migrated
  }

  async function query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    await ready()
    try {
      return await pool.query<R>(config)
    } catch (error) {
      throw unavailable(error)
    }
  }

  /** One transaction on one pooled connection; the local wake-ups it queued run after the commit. */
  async function transaction<T>(work: (client: Query, after: (wake: () => void) => void) => Promise<T>): Promise<T> {
    await ready()
    const client = await pool.connect().catch((error: unknown) => {
      throw unavailable(error)
    })
    const wakes: (() => void)[] = []
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await work(client, (wake) => wakes.push(wake))
      await client.query('COMMIT')
      for (const wake of wakes) wake()
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => {
        broken = rollback instanceof Error ? rollback : new Error(String(rollback))
      })
      throw unavailable(error)
    } finally {
      client.release(broken)
    }
  }

  /** Tells every process (NOTIFY, sent at commit) and, after the commit, this one's own listeners. */
  function announce(client: Query, after: (wake: () => void) => void, channel: keyof Channels, runId: string): Promise<unknown> {
    after(() => {
      if (channel === 'run') notifications.events.emit(runId)
      else if (channel === 'runnable') notifications.signals.runnable()
      else notifications.signals.finished(runId)
    })
    return client.query({ name: 'notify', text: 'SELECT pg_notify($1, $2)', values: [channels[channel], notifications.payload(runId)] })
  }

  interface LockedRun {
    run: RunRecord
    token: number
    owner: string | null
    readyAt: Date | null
  }

  /** The run, locked for the rest of the transaction (null: no such run). */
  async function loadLocked(client: Query, runId: string): Promise<LockedRun | null> {
    const { rows } = await client.query<RunRow & { lease_token: string; lease_owner: string | null; ready_at: Date | null }>({
      name: 'lock-run',
      text: `SELECT ${RUN_COLUMNS}, lease_token, lease_owner, ready_at FROM runs WHERE id = $1 FOR UPDATE`,
      values: [runId],
    })
    const row = rows[0]
    return row ? { run: toRecord(row), token: Number(row.lease_token), owner: row.lease_owner, readyAt: row.ready_at } : null
  }

  /** The run, locked; refused when finished or fenced out. */
  async function lockRun(client: Query, runId: string, fence?: Fenced): Promise<LockedRun> {
    const locked = await loadLocked(client, runId)
    if (!locked) throw new Error(`unknown run ${runId}`)
    if (isFinished(locked.run.status)) throw new RunFinishedError(runId)
    if (fence?.lease && fence.lease.token !== locked.token) throw new LeaseLostError(runId)
    return locked
  }

  async function saveRun(client: Query, run: RunRecord, extra = ''): Promise<void> {
    await client.query({
      name: `save-run${extra ? '-finish' : ''}`,
      text: `UPDATE runs SET status = $2, result = $3, error = $4, pending_question = $5, last_seq = $6, usage = $7, updated_at = $8,
             finished_at = $9${extra} WHERE id = $1`,
      values: [
        run.id,
        run.status,
        run.result,
        run.error && JSON.stringify(run.error),
        run.pending_question && JSON.stringify(run.pending_question),
        run.last_seq,
        JSON.stringify(run.usage),
        run.updated_at,
        run.finished_at,
      ],
    })
  }

  /** Appends within the caller's transaction: the message, its question, and the run after it (saved by the caller). */
  async function appendTo(client: Query, run: RunRecord, draft: MessageDraft, change: RunChange | undefined, now: string) {
    const message = newMessage(run.id, run.last_seq + 1, draft, now)
    await client.query({
      name: 'insert-message',
      text: 'INSERT INTO messages (run_id, seq, id, type, body) VALUES ($1, $2, $3, $4, $5)',
      values: [run.id, message.seq, message.id, message.type, JSON.stringify(message)],
    })
    if (isQuestion(message)) await saveQuestion(client, run.id, message, 'pending', null, null)
    return { message, run: runAfterAppend(run, message, change, now) }
  }

  async function saveQuestion(client: Query, runId: string, question: Question, status: string, answer: Answer | null, reply: unknown) {
    await client.query({
      name: 'save-question',
      text: `INSERT INTO questions (id, run_id, status, question, answer, reply) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, answer = excluded.answer, reply = excluded.reply`,
      values: [
        question.id,
        runId,
        status,
        JSON.stringify(question),
        answer === null ? null : JSON.stringify(answer),
        reply === null ? null : JSON.stringify(reply),
      ],
    })
  }

  async function journal(client: Query, runId: string, effect: EffectRecord, seq: number | null, now: string): Promise<void> {
    const { rowCount } = await client.query({
      name: 'insert-effect',
      text: `INSERT INTO journal (run_id, position, kind, name, fingerprint, summary, outcome, seq, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      values: [
        runId,
        effect.position,
        effect.kind,
        effect.name,
        effect.fingerprint,
        effect.summary,
        effect.outcome && JSON.stringify(effect.outcome),
        seq,
        now,
      ],
    })
    if (rowCount !== 1) throw new JournalConflictError(runId, effect.position)
  }

  async function questionOf(client: Query, runId: string, questionId: string) {
    const { rows } = await client.query<QuestionRow>({
      name: 'load-question',
      text: 'SELECT run_id, status, question, answer, reply FROM questions WHERE id = $1 AND run_id = $2',
      values: [questionId, runId],
    })
    return rows[0] ? toQuestion(rows[0]) : null
  }

  return {
    kind: 'postgres',
    events: notifications.events,
    notifications,
    migrate: ready,

    async createRun(input) {
      return transaction(async (client, after) => {
        // One create at a time per user: the idempotency lookup and the active-run count below hold.
        await client.query({ name: 'lock-user', text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', values: [input.user_id] })
        if (input.idempotency_key !== null) {
          const { rows } = await client.query<RunRow>({
            name: 'run-by-key',
            text: `SELECT ${RUN_COLUMNS} FROM runs WHERE user_id = $1 AND idempotency_key = $2`,
            values: [input.user_id, input.idempotency_key],
          })
          if (rows[0]) return { kind: 'existing' as const, run: toRecord(rows[0]) }
        }
        const active = await countActive(client, input.user_id)
        if (active >= input.max_active_runs) return { kind: 'limit_reached' as const, active }
        const run = newRunRecord(input, monotonicNow())
        const claimed = input.lease
        await client.query({
          name: 'insert-run',
          text: `INSERT INTO runs (${RUN_COLUMNS}, lease_owner, lease_token, ready_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now() + $18 * interval '1 millisecond')`,
          values: [...runValues(run), claimed?.owner ?? null, claimed ? 1 : 0, claimed?.ms ?? 0],
        })
        if (!claimed) await announce(client, after, 'runnable', run.id)
        return { kind: 'created' as const, run, lease: claimed ? { runId: run.id, token: 1 } : null }
      })
    },

    async getRun(runId) {
      const { rows } = await query<RunRow>({ name: 'get-run', text: `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, values: [runId] })
      return rows[0] ? toRecord(rows[0]) : null
    },

    async listRuns(request) {
      const where = ['user_id = $1']
      const values: unknown[] = [request.user_id]
      if (request.status) where.push(`status = $${values.push(request.status)}`)
      if (request.workflow) where.push(`workflow = $${values.push(request.workflow)}`)
      if (request.cursor) {
        const at = values.push(request.cursor.created_at)
        const id = values.push(request.cursor.id)
        where.push(`(created_at < $${at} OR (created_at = $${at} AND id < $${id}))`)
      }
      const limit = values.push(request.limit)
      const { rows } = await query<RunRow>({
        text: `SELECT ${RUN_COLUMNS} FROM runs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${limit}`,
        values,
      })
      return rows.map(toRecord)
    },

    async countActiveRuns(userId) {
      await ready()
      const client = await pool.connect().catch((error: unknown) => {
        throw unavailable(error)
      })
      try {
        return await countActive(client, userId)
      } finally {
        client.release()
      }
    },

    async append(runId, draft, options = {}) {
      return transaction(async (client, after) => {
        const now = monotonicNow()
        const { run } = await lockRun(client, runId, options)
        if (options.effect) await journal(client, runId, options.effect, run.last_seq + 1, now)
        const result = await appendTo(client, run, draft, options.change, now)
        await saveRun(client, result.run)
        await announce(client, after, 'run', runId)
        return result.message
      })
    },

    async listMessages(runId, afterSeq, limit) {
      const { rows } = await query<{ body: string }>({
        name: 'messages-after',
        text: 'SELECT body FROM messages WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        values: [runId, afterSeq, limit],
      })
      return rows.map((row) => JSON.parse(row.body))
    },

    async recordEffect(runId, write) {
      await transaction(async (client, after) => {
        const now = monotonicNow()
        const { run } = await lockRun(client, runId, write)
        if (write.effect) await journal(client, runId, write.effect, null, now)
        if (!write.usage) return
        await saveRun(client, { ...run, usage: addUsage(run.usage, write.usage), updated_at: now })
        // Only a usage change is news to pollers (`Run.usage`); the journal itself is not on the wire.
        await announce(client, after, 'run', runId)
      })
    },

    async readJournal(runId) {
      const { rows } = await query<JournalRow>({
        name: 'read-journal',
        text: `SELECT j.position, j.kind, j.name, j.fingerprint, j.summary, j.outcome, j.created_at, m.body AS message
               FROM journal j LEFT JOIN messages m ON m.run_id = j.run_id AND m.seq = j.seq
               WHERE j.run_id = $1 ORDER BY j.position`,
        values: [runId],
      })
      return rows.map(toJournalEntry)
    },

    async getQuestion(runId, questionId) {
      await ready()
      const client = await pool.connect().catch((error: unknown) => {
        throw unavailable(error)
      })
      try {
        return await questionOf(client, runId, questionId)
      } catch (error) {
        throw unavailable(error)
      } finally {
        client.release()
      }
    },

    async answerQuestion(runId, questionId, answer, replyFrom): Promise<AnswerOutcome> {
      return transaction(async (client, after): Promise<AnswerOutcome> => {
        // The run's row first, then the question's: every transaction locks in that order.
        const locked = await loadLocked(client, runId)
        if (!locked) return { kind: 'not_found' }
        const record = await questionOf(client, runId, questionId)
        if (!record) return { kind: 'not_found' }
        if (record.status === 'answered' && record.reply && sameAnswer(record.answer, answer))
          return { kind: 'duplicate', reply: record.reply }
        if (record.status !== 'pending') return { kind: 'not_pending', status: record.status }
        // Past its deadline the question takes no reply, even before the runtime has expired it.
        if (hasExpired(record.question, Date.now())) return { kind: 'not_pending', status: 'expired' }
        const { run, owner, readyAt } = locked
        if (isFinished(run.status)) throw new RunFinishedError(runId)
        const draft: MessageDraft = {
          type: 'reply',
          content: { question_id: questionId, answer },
          sender: replyFrom,
          recipient: record.question.sender,
          auto_reply: false,
        }
        const result = await appendTo(client, run, draft, { status: 'running' }, monotonicNow())
        await saveRun(client, { ...result.run, pending_question: null })
        await saveQuestion(client, runId, record.question, 'answered', answer, result.message)
        // Nobody holds the run (parked, or its worker died): it is ready for any worker now.
        const held = owner !== null && readyAt !== null && readyAt.getTime() > Date.now()
        if (!held) {
          await client.query({
            name: 'ready-now',
            text: 'UPDATE runs SET lease_owner = NULL, ready_at = now() WHERE id = $1',
            values: [runId],
          })
          await announce(client, after, 'runnable', runId)
        }
        await announce(client, after, 'run', runId)
        return { kind: 'answered', reply: result.message }
      })
    },

    async expireQuestion(runId, questionId, draft, fence = {}): Promise<ExpireOutcome> {
      return transaction(async (client, after): Promise<ExpireOutcome> => {
        const { run } = await lockRun(client, runId, fence)
        const record = await questionOf(client, runId, questionId)
        if (!record) throw new Error(`run ${runId} has no question ${questionId}`)
        if (record.status === 'answered' && record.answer !== null) return { kind: 'answered', answer: record.answer }
        if (record.status !== 'pending') return { kind: 'not_pending', status: record.status }
        const result = await appendTo(client, run, draft, { status: 'running' }, monotonicNow())
        await saveRun(client, { ...result.run, pending_question: null })
        await saveQuestion(client, runId, record.question, 'expired', null, null)
        await announce(client, after, 'run', runId)
        return { kind: 'expired', message: result.message }
      })
    },

    async finishRun(runId, finish) {
      return transaction(async (client, after) => {
        const locked = await loadLocked(client, runId)
        if (!locked || isFinished(locked.run.status)) return null
        if (finish.lease && finish.lease.token !== locked.token) throw new LeaseLostError(runId)
        const now = monotonicNow()
        const pending = locked.run.pending_question
        if (pending) {
          await client.query({
            name: 'question-status',
            text: 'UPDATE questions SET status = $2 WHERE id = $1 AND status = $3',
            values: [pending.id, finish.questionStatus, 'pending'],
          })
        }
        let run = locked.run
        for (const draft of finish.drafts) run = (await appendTo(client, run, draft, undefined, now)).run
        const next: RunRecord = { ...run, ...finish.change, pending_question: null, updated_at: now }
        // A finished run is never executed again: its journal has served its purpose, its lease ends.
        await saveRun(client, next, ', lease_owner = NULL, ready_at = NULL')
        await client.query({ name: 'delete-journal', text: 'DELETE FROM journal WHERE run_id = $1', values: [runId] })
        await announce(client, after, 'run', runId)
        await announce(client, after, 'finished', runId)
        return next
      })
    },

    async claimRuns(owner, { limit, leaseMs }) {
      const { rows } = await query<RunRow & { lease_token: string }>({
        name: 'claim-runs',
        text: `UPDATE runs SET lease_owner = $1, lease_token = lease_token + 1, ready_at = now() + $3 * interval '1 millisecond'
               WHERE id IN (SELECT id FROM runs WHERE ready_at <= now() ORDER BY ready_at LIMIT $2 FOR UPDATE SKIP LOCKED)
               RETURNING ${RUN_COLUMNS}, lease_token`,
        values: [owner, limit, leaseMs],
      })
      return rows
        .filter((row) => !isFinished(row.status))
        .map((row) => ({ run: toRecord(row), lease: { runId: row.id, token: Number(row.lease_token) } }))
    },

    async renewLeases(owner, leases, leaseMs) {
      if (leases.length === 0) return []
      const { rows } = await query<{ id: string }>({
        name: 'renew-leases',
        text: `UPDATE runs SET ready_at = now() + $4 * interval '1 millisecond'
               FROM unnest($2::text[], $3::bigint[]) AS held (id, token)
               WHERE runs.id = held.id AND runs.lease_token = held.token AND runs.lease_owner = $1 AND runs.ready_at IS NOT NULL
               RETURNING runs.id`,
        values: [owner, leases.map((lease) => lease.runId), leases.map((lease) => lease.token), leaseMs],
      })
      const kept = new Set(rows.map((row) => row.id))
      return leases.filter((lease) => !kept.has(lease.runId)).map((lease) => lease.runId)
    },

    async releaseLease({ runId, token }, release) {
      await transaction(async (client, after) => {
        const { rows } = await client.query<{ status: RunRecord['status']; pending_question: string | null; lease_token: string }>({
          name: 'lock-lease',
          text: 'SELECT status, pending_question, lease_token FROM runs WHERE id = $1 FOR UPDATE',
          values: [runId],
        })
        const row = rows[0]
        if (!row || Number(row.lease_token) !== token || isFinished(row.status)) return
        // Ready at once; or, parked: waiting for a reply, at its question's deadline (never, without one); else at its wake-up.
        let readyAt: number | 'now' | null = 'now'
        if (release.park && row.status === 'awaiting_input') {
          const expiresAt = row.pending_question ? (JSON.parse(row.pending_question) as Question).content.expires_at : null
          readyAt = expiresAt ? Date.parse(expiresAt) : null
        } else if (release.park && release.wakeAt !== null) {
          readyAt = release.wakeAt
        }
        await client.query({
          name: 'release-lease',
          text: `UPDATE runs SET lease_owner = NULL,
                 ready_at = CASE WHEN $2::text = 'now' THEN now() WHEN $3::float8 IS NULL THEN NULL ELSE to_timestamp($3::float8 / 1000) END
                 WHERE id = $1`,
          values: [runId, readyAt === 'now' ? 'now' : 'at', readyAt === 'now' ? null : readyAt],
        })
        if (readyAt !== null) await announce(client, after, 'runnable', runId)
      })
    },

    subscribe(runId, listener) {
      void notifications.ensure()
      return notifications.events.subscribe(runId, listener)
    },
    onRunnable(listener) {
      void notifications.ensure()
      return notifications.signals.onRunnable(listener)
    },
    onFinished(listener) {
      void notifications.ensure()
      return notifications.signals.onFinished(listener)
    },

    async close() {
      await notifications.close()
      await pool.end()
    },
  }
}

async function countActive(client: Query, userId: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>({
    name: 'count-active',
    text: `SELECT count(*) AS n FROM runs WHERE user_id = $1 AND status NOT IN ${FINISHED_SQL}`,
    values: [userId],
  })
  return Number(rows[0]?.n ?? 0)
}
