import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { Message } from '../../schemas/messages.ts'
import { FINISHED_STATUSES } from '../../schemas/runs.ts'
import type { QuestionRecord, RunRecord } from '../store.ts'
import { createSyncStore } from '../sync-store.ts'
import { MIGRATIONS } from './migrations.ts'

interface RunRow {
  id: string
  user_id: string
  workflow: string
  status: RunRecord['status']
  params: string
  result: string | null
  error: string | null
  pending_question: string | null
  last_seq: number
  usage: string
  created_at: string
  updated_at: string
  finished_at: string | null
  idempotency_key: string | null
  request_hash: string | null
}

interface QuestionRow {
  id: string
  run_id: string
  status: QuestionRecord['status']
  question: string
  answer: string | null
  reply: string | null
}

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T))

function toRecord(row: RunRow): RunRecord {
  return {
    ...row,
    params: JSON.parse(row.params),
    error: parse(row.error),
    pending_question: parse(row.pending_question),
    usage: JSON.parse(row.usage),
  }
}

function toRow(run: RunRecord): RunRow {
  return {
    ...run,
    params: JSON.stringify(run.params),
    error: run.error && JSON.stringify(run.error),
    pending_question: run.pending_question && JSON.stringify(run.pending_question),
    usage: JSON.stringify(run.usage),
  }
}

const FINISHED_SQL = FINISHED_STATUSES.map((s) => `'${s}'`).join(', ')

/**
 * An embedded SQLite file (WAL mode): the default, no setup, survives restarts. One process
 * owns the file; for several processes use PostgreSQL.
 */
export function createSqliteStore(path: string) {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  migrate(db)

  const columns =
    'id, user_id, workflow, status, params, result, error, pending_question, last_seq, usage, created_at, updated_at, finished_at, idempotency_key, request_hash'
  const statements = {
    insertRun: db.prepare<RunRow>(
      `INSERT INTO runs (${columns}) VALUES (@id, @user_id, @workflow, @status, @params, @result, @error, @pending_question, @last_seq, @usage, @created_at, @updated_at, @finished_at, @idempotency_key, @request_hash)`,
    ),
    saveRun: db.prepare<RunRow>(
      `UPDATE runs SET status = @status, result = @result, error = @error, pending_question = @pending_question, last_seq = @last_seq,
       usage = @usage, updated_at = @updated_at, finished_at = @finished_at WHERE id = @id`,
    ),
    loadRun: db.prepare<[string], RunRow>(`SELECT ${columns} FROM runs WHERE id = ?`),
    byKey: db.prepare<[string, string], RunRow>(`SELECT ${columns} FROM runs WHERE user_id = ? AND idempotency_key = ?`),
    countActive: db.prepare<[string], { n: number }>(
      `SELECT count(*) AS n FROM runs WHERE user_id = ? AND status NOT IN (${FINISHED_SQL})`,
    ),
    unfinished: db.prepare<[], RunRow>(`SELECT ${columns} FROM runs WHERE status NOT IN (${FINISHED_SQL}) ORDER BY created_at, id`),
    insertMessage: db.prepare<[string, number, string, string, string]>(
      'INSERT INTO messages (run_id, seq, id, type, body) VALUES (?, ?, ?, ?, ?)',
    ),
    messagesAfter: db.prepare<[string, number, number], { body: string }>(
      'SELECT body FROM messages WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    loadQuestion: db.prepare<[string], QuestionRow>('SELECT id, run_id, status, question, answer, reply FROM questions WHERE id = ?'),
    saveQuestion: db.prepare<QuestionRow>(
      `INSERT INTO questions (id, run_id, status, question, answer, reply) VALUES (@id, @run_id, @status, @question, @answer, @reply)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, answer = excluded.answer, reply = excluded.reply`,
    ),
  }

  return createSyncStore({
    kind: 'sqlite',
    transaction: (work) => db.transaction(work).immediate(),
    insertRun: (run) => void statements.insertRun.run(toRow(run)),
    saveRun: (run) => void statements.saveRun.run(toRow(run)),
    loadRun(runId) {
      const row = statements.loadRun.get(runId)
      return row ? toRecord(row) : null
    },
    findRunByIdempotencyKey(userId, key) {
      const row = statements.byKey.get(userId, key)
      return row ? toRecord(row) : null
    },
    queryRuns(query) {
      const where = ['user_id = @user_id']
      if (query.status) where.push('status = @status')
      if (query.workflow) where.push('workflow = @workflow')
      if (query.cursor) where.push('(created_at < @cursor_created_at OR (created_at = @cursor_created_at AND id < @cursor_id))')
      const sql = `SELECT ${columns} FROM runs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`
      const rows = db.prepare<Record<string, unknown>, RunRow>(sql).all({
        user_id: query.user_id,
        status: query.status,
        workflow: query.workflow,
        cursor_created_at: query.cursor?.created_at,
        cursor_id: query.cursor?.id,
        limit: query.limit,
      })
      return rows.map(toRecord)
    },
    countActiveRuns: (userId) => statements.countActive.get(userId)?.n ?? 0,
    unfinishedRuns: () => statements.unfinished.all().map(toRecord),
    insertMessage: (m: Message) => void statements.insertMessage.run(m.run_id, m.seq, m.id, m.type, JSON.stringify(m)),
    messagesAfter: (runId, afterSeq, limit) =>
      statements.messagesAfter.all(runId, afterSeq, limit).map((row) => JSON.parse(row.body) as Message),
    loadQuestion(questionId) {
      const row = statements.loadQuestion.get(questionId)
      if (!row) return null
      return {
        run_id: row.run_id,
        status: row.status,
        question: JSON.parse(row.question),
        answer: parse(row.answer),
        reply: parse(row.reply),
      }
    },
    saveQuestion(runId, record) {
      statements.saveQuestion.run({
        id: record.question.id,
        run_id: runId,
        status: record.status,
        question: JSON.stringify(record.question),
        answer: record.answer === null ? null : JSON.stringify(record.answer),
        reply: record.reply && JSON.stringify(record.reply),
      })
    },
    close: () => db.close(),
  })
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  for (const [index, sql] of MIGRATIONS.entries()) {
    const version = index + 1
    if (version <= current) continue
    db.transaction(() => {
      db.exec(sql)
      db.pragma(`user_version = ${version}`)
    })()
  }
}
