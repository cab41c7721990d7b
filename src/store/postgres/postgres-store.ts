import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { Answer, Message, MessageDraft, Question } from '../../schemas/messages.ts'
import { isFinished } from '../../schemas/runs.ts'
import { monotonicNow, newRunRecord, sameAnswer } from '../records.ts'
import type { RunEvents, RunHint } from '../run-events.ts'
import type { AnswerOutcome, EffectRecord, ExpireOutcome, Fenced, QuestionRecord, RunRecord, Store } from '../store.ts'
import { JournalConflictError, LeaseLostError, RunFinishedError } from '../store.ts'
import type { PendingMessage } from './message-text.ts'
import { pendingMessage } from './message-text.ts'
import { migrate } from './migrations.ts'
import type { Channels } from './notifications.ts'
import { channelsOf, Notifications } from './notifications.ts'
import type { JournalRow, QuestionRow, RunRow } from './rows.ts'
import { RUN_COLUMNS, runValues, toJournalEntry, toQuestion, toRecord } from './rows.ts'
import {
  APPEND,
  CREATE_RUN,
  FINISH_RUN,
  GET_QUESTION,
  LOCK_QUESTION,
  LOCK_RUN,
  RECORD_EFFECT,
  RECORD_USAGE,
  RUN_STATE,
  SETTLE_QUESTION,
} from './statements.ts'
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

export type PostgresStore = Store & {
  /** In-process wake-ups, fed by this process's writes and the other processes' notifications. */
  readonly events: RunEvents
  readonly notifications: Notifications
  /** Brings the schema up to date (done before the first query anyway); the versions it applied. */
  migrate(): Promise<number[]>
}

type Query = pg.ClientBase
type Locked = RunRow & { lease_token: string; lease_owner: string | null; ready_at: Date | null }

/**
 * PostgreSQL, for several API and worker processes on several machines: any process answers any
 * request, long-polls are woken across processes by LISTEN/NOTIFY, and runs are handed to
 * workers with leases (`FOR UPDATE SKIP LOCKED`). Seq numbers, journal positions and fencing
 * tokens are decided in the database, in the statement that writes (statements.ts). Connects
 * lazily: creating the store opens nothing.
 */
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
  const origin = notifications.origin
  let migrated: Promise<number[]> | null = null

  /** The schema is brought up to date before the first query of this process. */
  const ready = (): Promise<number[]> => {
    migrated ??= (async () => {
      const client = await pool.connect()
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

  async function query<R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    await ready()
    try {
      return await pool.query<R>({ name, text, values })
    } catch (error) {
      throw translate(error)
    }
  }

  /** One transaction on one pooled connection; what it queued for this process runs after the commit. */
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
      throw translate(error)
    } finally {
      client.release(broken)
    }
  }

  /** Why a fenced write changed nothing: no run, a finished one, or one another worker holds now. */
  async function refusal(runId: string): Promise<Error> {
    const { rows } = await query<{ status: RunRecord['status']; lease_token: string }>('run-state', RUN_STATE, [runId])
    const row = rows[0]
    if (!row) return new Error(`unknown run ${runId}`)
    if (isFinished(row.status)) return new RunFinishedError(runId)
    return new LeaseLostError(runId)
  }

  /** This process's own listeners are told at once (the NOTIFY reaches the other processes). */
  function wake(runId: string, hint: RunHint): void {
    notifications.events.emit(runId, hint)
  }

  async function lockRun(client: Query, runId: string, fence?: Fenced): Promise<{ run: RunRecord; row: Locked } | null> {
    const { rows } = await client.query<Locked>({ name: 'lock-run', text: LOCK_RUN, values: [runId] })
    const row = rows[0]
    if (!row) return null
    if (fence?.lease && Number(row.lease_token) !== fence.lease.token && !isFinished(row.status)) throw new LeaseLostError(runId)
    return { run: toRecord(row), row }
  }

  async function lockQuestion(client: Query, runId: string, questionId: string) {
    const { rows } = await client.query<QuestionRow & { expired: boolean }>({
      name: 'lock-question',
      text: LOCK_QUESTION,
      values: [questionId, runId, new Date().toISOString()],
    })
    const row = rows[0]
    return row ? { record: toQuestion(row), expired: row.expired } : null
  }

  /** Settles a locked, pending question with `message` (a reply or the expiry's record) in one statement. */
  async function settle(
    client: Query,
    after: (wake: () => void) => void,
    target: { runId: string; questionId: string; status: 'answered' | 'expired'; answer: Answer | null },
    message: PendingMessage,
  ): Promise<Message> {
    const { runId, questionId, status, answer } = target
    const { rows } = await client.query<{ last_seq: number; status: RunRecord['status']; ready: boolean }>({
      name: 'settle-question',
      text: SETTLE_QUESTION,
      values: [
        runId,
        questionId,
        status,
        answer === null ? null : JSON.stringify(answer),
        message.id,
        message.prefix,
        message.suffix,
        monotonicNow(),
        message.type,
        status === 'answered' ? message.id : null,
        channels.run,
        channels.runnable,
        origin,
      ],
    })
    const row = rows[0]
    if (!row) throw new Error(`run ${runId} vanished while locked`)
    after(() => {
      wake(runId, { last_seq: row.last_seq, status: row.status })
      if (row.ready) notifications.signals.runnable()
    })
    return message.at(row.last_seq)
  }

  function journalValues(effect: EffectRecord | null | undefined): unknown[] {
    if (!effect) return [null, null, null, null, null, null]
    return [effect.position, effect.kind, effect.name, effect.fingerprint, effect.summary, effect.outcome && JSON.stringify(effect.outcome)]
  }

  return {
    kind: 'postgres',
    events: notifications.events,
    notifications,
    migrate: ready,

    async createRun(input) {
      return transaction(async (client, after) => {
        // One create at a time per user: the idempotency lookup and the active-run count that follow hold.
        await client.query({ name: 'lock-user', text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', values: [input.user_id] })
        if (input.idempotency_key !== null) {
          const { rows } = await client.query<RunRow>({
            name: 'run-by-key',
            text: `SELECT ${RUN_COLUMNS} FROM runs WHERE user_id = $1 AND idempotency_key = $2`,
            values: [input.user_id, input.idempotency_key],
          })
          if (rows[0]) return { kind: 'existing' as const, run: toRecord(rows[0]) }
        }
        const run = newRunRecord(input, monotonicNow())
        const claimed = input.lease
        const { rows } = await client.query<{ active: string; inserted: string }>({
          name: 'create-run',
          text: CREATE_RUN,
          values: [
            ...runValues(run),
            claimed?.owner ?? null,
            claimed ? 1 : 0,
            claimed?.ms ?? 0,
            input.max_active_runs,
            channels.runnable,
            origin,
          ],
        })
        const active = Number(rows[0]?.active ?? 0)
        if (Number(rows[0]?.inserted ?? 0) === 0) return { kind: 'limit_reached' as const, active }
        if (!claimed) after(() => notifications.signals.runnable())
        return { kind: 'created' as const, run, lease: claimed ? { runId: run.id, token: 1 } : null }
      })
    },

    async getRun(runId) {
      const { rows } = await query<RunRow>('get-run', `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [runId])
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
      const text = `SELECT ${RUN_COLUMNS} FROM runs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${limit}`
      const { rows } = await query<RunRow>(
        `list-runs-${where.length}-${request.status ? 's' : ''}${request.workflow ? 'w' : ''}`,
        text,
        values,
      )
      return rows.map(toRecord)
    },

    async countActiveRuns(userId) {
      const { rows } = await query<{ n: string }>(
        'count-active',
        "SELECT count(*) AS n FROM runs WHERE user_id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')",
        [userId],
      )
      return Number(rows[0]?.n ?? 0)
    },

    async append(runId, draft, options = {}) {
      const now = monotonicNow()
      const message = pendingMessage(runId, draft, now)
      const question = draft.type === 'text_input' || draft.type === 'multiple_choice' ? (draft.content as Question['content']) : null
      const { rows } = await conflictAware(runId, options.effect, () =>
        query<{ last_seq: number; status: RunRecord['status'] }>('append', APPEND, [
          runId,
          options.lease?.token ?? null,
          now,
          message.id,
          message.prefix,
          message.suffix,
          question !== null,
          options.change?.status ?? null,
          message.type,
          question?.expires_at ?? null,
          ...journalValues(options.effect),
          channels.run,
          origin,
        ]),
      )
      const row = rows[0]
      if (!row) throw await refusal(runId)
      wake(runId, { last_seq: row.last_seq, status: row.status })
      return message.at(row.last_seq)
    },

    async listMessages(runId, afterSeq, limit) {
      const { rows } = await query<{ body: string }>(
        'messages-after',
        'SELECT body FROM messages WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [runId, afterSeq, limit],
      )
      return rows.map((row) => JSON.parse(row.body))
    },

    async recordEffect(runId, write) {
      const now = monotonicNow()
      const head = [runId, write.lease?.token ?? null, ...journalValues(write.effect), now]
      if (!write.usage) {
        if (!write.effect) return
        const { rows } = await conflictAware(runId, write.effect, () => query('record-effect', RECORD_EFFECT, head))
        if (rows.length === 0) throw await refusal(runId)
        return
      }
      const { prompt_tokens, completion_tokens, total_tokens } = write.usage
      const { rows } = await conflictAware(runId, write.effect, () =>
        query<{ last_seq: number; status: RunRecord['status'] }>('record-usage', RECORD_USAGE, [
          ...head,
          prompt_tokens,
          completion_tokens,
          total_tokens,
          channels.run,
          origin,
        ]),
      )
      const row = rows[0]
      if (!row) throw await refusal(runId)
      // Only a usage change is news to pollers (`Run.usage`); the journal itself is not on the wire.
      wake(runId, { last_seq: row.last_seq, status: row.status })
    },

    async readJournal(runId) {
      const { rows } = await query<JournalRow>(
        'read-journal',
        `SELECT j.position, j.kind, j.name, j.fingerprint, j.summary, j.outcome, j.created_at, m.body AS message
         FROM journal j LEFT JOIN messages m ON m.run_id = j.run_id AND m.seq = j.seq
         WHERE j.run_id = $1 ORDER BY j.position`,
        [runId],
      )
      return rows.map(toJournalEntry)
    },

    async getQuestion(runId, questionId): Promise<QuestionRecord | null> {
      const { rows } = await query<QuestionRow>('get-question', GET_QUESTION, [questionId, runId])
      return rows[0] ? toQuestion(rows[0]) : null
    },

    async answerQuestion(runId, questionId, answer, replyFrom): Promise<AnswerOutcome> {
      return transaction(async (client, after): Promise<AnswerOutcome> => {
        // The run's row first, then the question's: every transaction locks in that order.
        const locked = await lockRun(client, runId)
        if (!locked) return { kind: 'not_found' }
        const found = await lockQuestion(client, runId, questionId)
        if (!found) return { kind: 'not_found' }
        const { record, expired } = found
        if (record.status === 'answered' && record.reply && sameAnswer(record.answer, answer))
          return { kind: 'duplicate', reply: record.reply }
        if (record.status !== 'pending') return { kind: 'not_pending', status: record.status }
        // Past its deadline the question takes no reply, even before the runtime has expired it.
        if (expired) return { kind: 'not_pending', status: 'expired' }
        if (isFinished(locked.run.status)) throw new RunFinishedError(runId)
        const draft: MessageDraft = {
          type: 'reply',
          content: { question_id: questionId, answer },
          sender: replyFrom,
          recipient: record.question.sender,
          auto_reply: false,
        }
        const reply = await settle(
          client,
          after,
          { runId, questionId, status: 'answered', answer },
          pendingMessage(runId, draft, monotonicNow()),
        )
        return { kind: 'answered', reply }
      })
    },

    async expireQuestion(runId, questionId, draft, fence = {}): Promise<ExpireOutcome> {
      return transaction(async (client, after): Promise<ExpireOutcome> => {
        const locked = await lockRun(client, runId, fence)
        if (!locked) throw new Error(`unknown run ${runId}`)
        if (isFinished(locked.run.status)) throw new RunFinishedError(runId)
        const found = await lockQuestion(client, runId, questionId)
        if (!found) throw new Error(`run ${runId} has no question ${questionId}`)
        const { record } = found
        if (record.status === 'answered' && record.answer !== null) return { kind: 'answered', answer: record.answer }
        if (record.status !== 'pending') return { kind: 'not_pending', status: record.status }
        const message = await settle(
          client,
          after,
          { runId, questionId, status: 'expired', answer: null },
          pendingMessage(runId, draft, monotonicNow()),
        )
        return { kind: 'expired', message }
      })
    },

    async finishRun(runId, finish) {
      return transaction(async (client, after) => {
        const locked = await lockRun(client, runId)
        if (!locked || isFinished(locked.run.status)) return null
        if (finish.lease && finish.lease.token !== Number(locked.row.lease_token)) throw new LeaseLostError(runId)
        const now = monotonicNow()
        const next: RunRecord = { ...locked.run, ...finish.change }
        const messages = finish.drafts.map((draft) => pendingMessage(runId, draft, now))
        const { rows } = await client.query<RunRow>({
          name: 'finish-run',
          text: FINISH_RUN,
          values: [
            runId,
            finish.questionStatus,
            next.status,
            next.result,
            next.error && JSON.stringify(next.error),
            next.finished_at,
            now,
            messages.length,
            messages.map((message) => message.id),
            messages.map((message) => message.type),
            messages.map((message) => message.prefix),
            messages.map((message) => message.suffix),
            channels.run,
            channels.finished,
            origin,
          ],
        })
        const row = rows[0]
        if (!row) throw new Error(`run ${runId} vanished while locked`)
        const finished = toRecord(row)
        after(() => {
          wake(runId, { last_seq: finished.last_seq, status: finished.status })
          notifications.signals.finished(runId)
        })
        return finished
      })
    },

    async claimRuns(owner, { limit, leaseMs }) {
      const { rows } = await query<RunRow & { lease_token: string }>(
        'claim-runs',
        `UPDATE runs SET lease_owner = $1, lease_token = lease_token + 1, ready_at = now() + $3 * interval '1 millisecond'
         WHERE id IN (SELECT id FROM runs WHERE ready_at <= now() ORDER BY ready_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING ${RUN_COLUMNS}, lease_token`,
        [owner, limit, leaseMs],
      )
      return rows
        .filter((row) => !isFinished(row.status))
        .map((row) => ({ run: toRecord(row), lease: { runId: row.id, token: Number(row.lease_token) } }))
    },

    async renewLeases(owner, leases, leaseMs) {
      if (leases.length === 0) return []
      const { rows } = await query<{ id: string }>(
        'renew-leases',
        `UPDATE runs SET ready_at = now() + $4 * interval '1 millisecond'
         FROM unnest($2::text[], $3::bigint[]) AS held (id, token)
         WHERE runs.id = held.id AND runs.lease_token = held.token AND runs.lease_owner = $1 AND runs.ready_at IS NOT NULL
         RETURNING runs.id`,
        [owner, leases.map((lease) => lease.runId), leases.map((lease) => lease.token), leaseMs],
      )
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
        if (readyAt === null) return
        await client.query({ name: 'notify', text: 'SELECT pg_notify($1, $2)', values: [channels.runnable, `${origin}|${runId}`] })
        after(() => notifications.signals.runnable())
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

/** A journal position taken twice (a second execution of the run got there first) is refused by the primary key. */
function isJournalConflict(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string }
  return code === '23505' && constraint === 'journal_pkey'
}

/** An unreachable database is a StoreUnavailableError; a journal conflict is left for `conflictAware` to name. */
function translate(error: unknown): unknown {
  return isJournalConflict(error) ? error : unavailable(error)
}

/** Runs a journaling write; a taken position becomes JournalConflictError with the run and the position. */
async function conflictAware<T>(runId: string, effect: EffectRecord | null | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (isJournalConflict(error)) throw new JournalConflictError(runId, effect?.position ?? -1)
    throw error
  }
}
