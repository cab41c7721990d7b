import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { Answer, Message, MessageDraft, Question } from '../../schemas/messages.ts'
import { isFinished } from '../../schemas/runs.ts'
import { monotonicNow, newRunRecord, sameAnswer } from '../records.ts'
import type { RunEvents, RunHint } from '../run-events.ts'
import type { JournalRow, RunRow } from '../run-row.ts'
import { RUN_COLUMNS, runColumnsOf, toJournalEntry, toRecord } from '../run-row.ts'
import type { AnswerOutcome, EffectRecord, ExpireOutcome, QuestionRecord, QuestionStatus, RunRecord, Store } from '../store.ts'
import { JournalConflictError, LeaseLostError, RunFinishedError } from '../store.ts'
import { createLiveTextPublisher } from './live-text-publisher.ts'
import type { PendingMessage } from './message-text.ts'
import { pendingMessage } from './message-text.ts'
import { migrate } from './migrations.ts'
import type { Channels } from './notifications.ts'
import { channelsOf, Notifications } from './notifications.ts'
import { createPostgresWebhooks } from './postgres-webhooks.ts'
import type { QuestionRow } from './rows.ts'
import { toQuestion } from './rows.ts'
import {
  APPEND,
  CREATE_RUN,
  DELETE_FINISHED,
  FINISH_RUN,
  GET_QUESTION,
  GET_QUESTION_FOR,
  RECORD_EFFECT,
  RECORD_USAGE,
  RELEASE_LEASE,
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
  /** How long a pooled connection may sit idle before it is closed; 0: never. Default 10 s. */
  idleTimeoutMs?: number
}

export type PostgresStore = Store & {
  /** In-process wake-ups, fed by this process's writes and the other processes' notifications. */
  readonly events: RunEvents
  readonly notifications: Notifications
  /** Brings the schema up to date (done before the first query anyway); the versions it applied. */
  migrate(): Promise<number[]>
}

/** What the PL/pgSQL functions answer (migrations.ts). */
type CreateOutcome = { kind: 'existing'; run: RunRow } | { kind: 'limit_reached'; active: number } | { kind: 'created' }
type SettleOutcome =
  | { kind: 'settled'; seq: number; ready: boolean }
  | { kind: 'answered'; answer: string | null; reply: string | null }
  | { kind: 'not_pending'; status: QuestionRecord['status'] }
  | { kind: 'not_found' }
  | { kind: 'finished' }
  | { kind: 'lease_lost' }
type FinishOutcome = { kind: 'done'; run: RunRow } | { kind: 'finished' } | { kind: 'lease_lost' }

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
  const pool = new pg.Pool({
    ...connection,
    max: options.poolSize ?? 10,
    idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
    application_name: 'parley',
  })
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
  const notifyText = createLiveTextPublisher({ pool, channel: channels.text, origin })
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

  /**
   * Settles a pending question in one call of parley_settle_question: a reply, or its expiry by
   * the worker holding the run. The outcome as the function reports it, the message once settled;
   * a finished run, or a lease another worker holds now, is thrown as the error every write gives.
   */
  async function settle(
    target: { runId: string; questionId: string; status: 'answered' | 'expired'; answer: Answer | null; token: number | null },
    message: PendingMessage,
  ): Promise<Exclude<SettleOutcome, { kind: 'finished' | 'lease_lost' }>> {
    const { runId, questionId, status, answer, token } = target
    const { rows } = await query<{ outcome: SettleOutcome }>('settle-question', SETTLE_QUESTION, [
      runId,
      questionId,
      status,
      answer === null ? null : JSON.stringify(answer),
      message.id,
      message.type,
      message.prefix,
      message.suffix,
      monotonicNow(),
      new Date().toISOString(),
      token,
      channels.run,
      channels.runnable,
      origin,
    ])
    const outcome = rows[0]?.outcome ?? { kind: 'not_found' }
    if (outcome.kind === 'finished') throw new RunFinishedError(runId)
    if (outcome.kind === 'lease_lost') throw new LeaseLostError(runId)
    if (outcome.kind === 'settled') {
      wake(runId, { last_seq: outcome.seq, status: 'running' })
      if (outcome.ready) notifications.signals.runnable()
    }
    return outcome
  }

  /**
   * Tells inbox long-polls, here and in every process, that a question was asked of the run's
   * owner and `assignees`. After the append, not in it: a missed announcement delays an inbox
   * until its poll's `wait` ends, it loses nothing.
   */
  async function announceQuestion(runId: string, assignees: string[]): Promise<void> {
    try {
      const { rows } = await query<{ user_id: string }>('run-owner', 'SELECT user_id FROM runs WHERE id = $1', [runId])
      const owner = rows[0]?.user_id
      if (owner === undefined) return
      const audience = [owner, ...assignees]
      notifications.signals.questionAsked(audience)
      await pool.query('SELECT pg_notify($1, $2)', [channels.question, `${origin}|${JSON.stringify(audience)}`])
    } catch {
      // Best effort, as above.
    }
  }

  async function getQuestion(runId: string, questionId: string, userId?: string): Promise<QuestionRecord | null> {
    const { rows } =
      userId === undefined
        ? await query<QuestionRow>('get-question', GET_QUESTION, [questionId, runId])
        : await query<QuestionRow>('get-question-for', GET_QUESTION_FOR, [questionId, runId, userId])
    return rows[0] ? toQuestion(rows[0]) : null
  }

  function journalValues(effect: EffectRecord | null | undefined): unknown[] {
    if (!effect) return [null, null, null, null, null, null]
    return [effect.position, effect.kind, effect.name, effect.fingerprint, effect.summary, effect.outcome && JSON.stringify(effect.outcome)]
  }

  return {
    kind: 'postgres',
    events: notifications.events,
    liveText: notifications.liveText,
    publishText(event) {
      void notifications.ensure()
      notifications.liveText.receive(event)
      notifyText(event)
    },
    notifications,
    migrate: ready,
    webhooks: createPostgresWebhooks(query, notifications.signals, () => void notifications.ensure()),

    async createRun(input) {
      const run = newRunRecord(input, monotonicNow())
      const claimed = input.lease
      const { rows } = await query<{ outcome: CreateOutcome }>('create-run', CREATE_RUN, [
        run.id,
        run.user_id,
        run.workflow,
        JSON.stringify(run.params),
        JSON.stringify(run.usage),
        run.created_at,
        run.idempotency_key,
        run.request_hash,
        claimed?.owner ?? null,
        claimed?.ms ?? 0,
        input.max_active_runs,
        channels.runnable,
        origin,
      ])
      const outcome = rows[0]?.outcome
      if (!outcome) throw new Error('parley_create_run answered nothing')
      switch (outcome.kind) {
        case 'existing':
          return { kind: 'existing', run: toRecord(outcome.run) }
        case 'limit_reached':
          return { kind: 'limit_reached', active: Number(outcome.active) }
        case 'created':
          if (!claimed) notifications.signals.runnable()
          return { kind: 'created', run, lease: claimed ? { runId: run.id, token: 1 } : null }
        default: {
          const unreachable: never = outcome
          throw new Error(`unexpected outcome ${JSON.stringify(unreachable)}`)
        }
      }
    },

    async getRun(runId, userId) {
      const { rows } =
        userId === undefined
          ? await query<RunRow>('get-run', `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [runId])
          : await query<RunRow>('get-owned-run', `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1 AND user_id = $2`, [runId, userId])
      return rows[0] ? toRecord(rows[0]) : null
    },

    async listQuestions(request) {
      // The question's JSON holds its created_at and its assignees; the run's row, its owner and workflow.
      const createdAt = "(q.question::jsonb->>'created_at')"
      const values: unknown[] = [request.user_id, request.status]
      const where = ['q.status = $2', "(r.user_id = $1 OR (q.question::jsonb->'content'->'assignees') ? $1)"]
      if (request.workflow !== undefined) where.push(`r.workflow = $${values.push(request.workflow)}`)
      if (request.run_id !== undefined) where.push(`q.run_id = $${values.push(request.run_id)}`)
      if (request.cursor) {
        const at = values.push(request.cursor.created_at)
        const id = values.push(request.cursor.id)
        where.push(`(${createdAt} < $${at} OR (${createdAt} = $${at} AND q.id < $${id}))`)
      }
      const limit = values.push(request.limit)
      const text = `SELECT ${runColumnsOf('r')}, q.status AS question_status, q.question AS question_json
        FROM questions q JOIN runs r ON r.id = q.run_id
        WHERE ${where.join(' AND ')} ORDER BY ${createdAt} DESC, q.id DESC LIMIT $${limit}`
      const shape = `${request.workflow !== undefined ? 'w' : ''}${request.run_id !== undefined ? 'r' : ''}${request.cursor ? 'c' : ''}`
      const { rows } = await query<RunRow & { question_status: QuestionStatus; question_json: string }>(
        `list-questions-${shape}`,
        text,
        values,
      )
      return rows.map((row) => ({ question: JSON.parse(row.question_json), status: row.question_status, run: toRecord(row) }))
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
      const message = pendingMessage(runId, draft, now, options.id)
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
      if (question) void announceQuestion(runId, question.assignees ?? [])
      return message.at(row.last_seq)
    },

    async readPage(runId, afterSeq, limit, maxBytes, userId) {
      // Another user's run matches no row, so its messages are not even read: as a missing run.
      const { rows } = await query<RunRow & { page: Message[] | null }>(
        'read-page',
        `SELECT ${RUN_COLUMNS}, (SELECT json_agg(m.body::json ORDER BY m.seq) FROM (${MESSAGES_WITHIN_BYTES}) m) AS page
         FROM runs WHERE id = $1 AND ($5::text IS NULL OR user_id = $5::text)`,
        [runId, afterSeq, limit, byteBound(maxBytes), userId ?? null],
      )
      const row = rows[0]
      return row ? { run: toRecord(row), messages: row.page ?? [] } : null
    },

    async listMessages(runId, afterSeq, limit, maxBytes) {
      const { rows } = await query<{ body: string }>('messages-after', `SELECT body FROM (${MESSAGES_WITHIN_BYTES}) m ORDER BY seq`, [
        runId,
        afterSeq,
        limit,
        byteBound(maxBytes),
      ])
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

    getQuestion,

    async answerQuestion(runId, questionId, answer, replyFrom, replyTo, shown = answer, answeredBy): Promise<AnswerOutcome> {
      let recipient = replyTo
      if (recipient === undefined) {
        const question = await getQuestion(runId, questionId)
        if (!question) return { kind: 'not_found' }
        recipient = question.question.sender
      }
      const draft: MessageDraft = {
        type: 'reply',
        content: { question_id: questionId, answer: shown, ...(answeredBy === undefined ? {} : { answered_by: answeredBy }) },
        sender: replyFrom,
        recipient,
        auto_reply: false,
      }
      const message = pendingMessage(runId, draft, monotonicNow())
      const outcome = await settle({ runId, questionId, status: 'answered', answer, token: null }, message)
      switch (outcome.kind) {
        case 'settled':
          return { kind: 'answered', reply: message.at(outcome.seq) }
        case 'answered': {
          const reply = outcome.reply === null ? null : (JSON.parse(outcome.reply) as Message)
          if (reply && outcome.answer !== null && sameAnswer(JSON.parse(outcome.answer), answer)) return { kind: 'duplicate', reply }
          return { kind: 'not_pending', status: 'answered' }
        }
        case 'not_pending':
          return { kind: 'not_pending', status: outcome.status }
        case 'not_found':
          return { kind: 'not_found' }
        default: {
          const unreachable: never = outcome
          throw new Error(`unexpected outcome ${JSON.stringify(unreachable)}`)
        }
      }
    },

    async expireQuestion(runId, questionId, draft, fence = {}): Promise<ExpireOutcome> {
      const message = pendingMessage(runId, draft, monotonicNow())
      const outcome = await settle({ runId, questionId, status: 'expired', answer: null, token: fence.lease?.token ?? null }, message)
      switch (outcome.kind) {
        case 'settled':
          return { kind: 'expired', message: message.at(outcome.seq) }
        case 'answered':
          return { kind: 'answered', answer: JSON.parse(outcome.answer ?? 'null') }
        case 'not_pending':
          return { kind: 'not_pending', status: outcome.status }
        case 'not_found':
          throw new Error(`run ${runId} has no question ${questionId}`)
        default: {
          const unreachable: never = outcome
          throw new Error(`unexpected outcome ${JSON.stringify(unreachable)}`)
        }
      }
    },

    async finishRun(runId, finish) {
      const now = monotonicNow()
      const { change } = finish
      const messages = finish.drafts.map((draft) => pendingMessage(runId, draft, now))
      const { rows } = await query<{ outcome: FinishOutcome }>('finish-run', FINISH_RUN, [
        runId,
        finish.lease?.token ?? null,
        finish.questionStatus,
        change.status,
        change.result ?? null,
        change.error ? JSON.stringify(change.error) : null,
        change.finished_at ?? null,
        now,
        messages.map((message) => message.id),
        messages.map((message) => message.type),
        messages.map((message) => message.prefix),
        messages.map((message) => message.suffix),
        channels.run,
        channels.finished,
        origin,
      ])
      const outcome = rows[0]?.outcome
      if (!outcome || outcome.kind === 'finished') return null
      if (outcome.kind === 'lease_lost') throw new LeaseLostError(runId)
      const finished = toRecord(outcome.run)
      wake(runId, { last_seq: finished.last_seq, status: finished.status })
      notifications.signals.finished(runId)
      return finished
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
      const { rows } = await query<{ ready: boolean }>('release-lease', RELEASE_LEASE, [
        runId,
        token,
        release.park,
        release.wakeAt,
        channels.runnable,
        origin,
      ])
      if (rows[0]?.ready) notifications.signals.runnable()
    },

    subscribe(runId, listener) {
      void notifications.ensure()
      return notifications.events.subscribe(runId, listener)
    },
    onQuestionAsked(listener) {
      void notifications.ensure()
      return notifications.signals.onQuestionAsked(listener)
    },
    onRunnable(listener) {
      void notifications.ensure()
      return notifications.signals.onRunnable(listener)
    },
    onFinished(listener) {
      void notifications.ensure()
      return notifications.signals.onFinished(listener)
    },

    async deleteFinishedBefore(cutoff, limit) {
      const { rows } = await query<{ n: string }>('delete-finished', DELETE_FINISHED, [cutoff, limit])
      return Number(rows[0]?.n ?? 0)
    },

    async unfinishedBefore(cutoff, limit) {
      const { rows } = await query<{ id: string }>(
        'unfinished-before',
        `SELECT id FROM runs WHERE status NOT IN ('completed', 'failed', 'cancelled') AND created_at < $1 ORDER BY created_at, id LIMIT $2`,
        [cutoff, limit],
      )
      return rows.map((row) => row.id)
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

/**
 * The messages of run $1 after seq $2, at most $3 of them and $4 bytes of their text together (no
 * bound when null), but always the first: a running sum of sizes in the query, so no row past
 * the budget is sent. `octet_length` of a TOASTed body reads its stored size, not the body.
 */
const MESSAGES_WITHIN_BYTES = `SELECT body, seq FROM (
    SELECT body, seq, row_number() OVER w AS n, sum(octet_length(body)) OVER w AS total
    FROM messages WHERE run_id = $1 AND seq > $2
    WINDOW w AS (ORDER BY seq ROWS UNBOUNDED PRECEDING)
    ORDER BY seq LIMIT $3
  ) sized WHERE n = 1 OR $4::bigint IS NULL OR total <= $4::bigint`

function byteBound(maxBytes: number | undefined): number | null {
  return maxBytes === undefined || !Number.isFinite(maxBytes) ? null : maxBytes
}
