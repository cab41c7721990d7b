import { dirname } from 'node:path'
import type { Message } from '../../schemas/messages.ts'
import { FINISHED_STATUSES } from '../../schemas/runs.ts'
import { takeWithinBytes } from '../page-bytes.ts'
import type { JournalRow, RunRow } from '../run-row.ts'
import { parse, RUN_COLUMNS, runColumnsOf, toJournalEntry, toRecord, toRunRow } from '../run-row.ts'
import type { QuestionRecord, QuestionStatus } from '../store.ts'
import type { LeaseRow } from '../sync-store.ts'
import { createSyncStore } from '../sync-store.ts'
import { Database } from './driver.ts'
import type { FileLock } from './file-lock.ts'
import { lockSqliteFile, recordHolder } from './file-lock.ts'
import { MIGRATIONS } from './migrations.ts'
import { makeOwnerOnlyDir, makeOwnerOnlyFile } from './owner-only.ts'
import { createSqliteWebhooks } from './sqlite-webhooks.ts'

interface QuestionRow {
  id: string
  run_id: string
  status: QuestionRecord['status']
  question: string
  answer: string | null
  reply: string | null
}

const FINISHED_SQL = FINISHED_STATUSES.map((s) => `'${s}'`).join(', ')

/** Pages in the WAL before it is checkpointed into the database file (SQLite's default: 1,000). */
const WAL_CHECKPOINT_PAGES = 4000

/**
 * An embedded SQLite file (WAL mode): the default, no setup, survives restarts. One server
 * holds the file at a time — another one pointed at it refuses to start (SqliteFileInUseError)
 * until the holder has stopped or died; for several processes use PostgreSQL.
 */
export function createSqliteStore(path: string) {
  let lock: FileLock | undefined
  if (path !== ':memory:') {
    // Owner-only (0700/0600) when Parley creates them; SQLite gives -wal and -shm the file's mode.
    makeOwnerOnlyDir(dirname(path))
    makeOwnerOnlyFile(`${path}.lock`)
    lock = lockSqliteFile(path)
    makeOwnerOnlyFile(path)
  }
  let db: Database
  try {
    db = new Database(path)
    db.pragma('journal_mode = WAL')
    // A commit survives the process dying at any point (SIGKILL included); only an OS crash or
    // power loss can take the last transactions back, which the README states.
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    // The WAL is copied back into the file (a checkpoint, with its fsyncs) every 4,000 pages, not
    // SQLite's 1,000: a run's row and its indexes are rewritten on every step, so a longer WAL
    // copies each hot page once for more commits (npm run bench -- --only roundtrip: SQLite did
    // 299–377 round trips/s at 2.16–2.97 ms CPU each with 1,000; 449–459 at 1.89–1.91 ms with
    // 4,000–10,000). Durability is the same; the WAL file is kept under 32 MiB when it is reset.
    db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`)
    db.pragma(`journal_size_limit = ${32 * 1024 * 1024}`)
    migrate(db)
    recordHolder(db)
    // Holding the file, this process is the only server on it: a lease another process holds is
    // a dead process's, and its runs are ready now.
    db.prepare('UPDATE runs SET lease_owner = NULL, ready_at = ? WHERE lease_owner IS NOT NULL AND ready_at IS NOT NULL').run(Date.now())
  } catch (error) {
    lock?.release()
    throw error
  }

  const columns = RUN_COLUMNS
  const statements = {
    insertRun: db.prepare<RunRow & LeaseRow>(
      `INSERT INTO runs (${columns}, lease_owner, lease_token, ready_at) VALUES (@id, @user_id, @workflow, @status, @params, @result, @error,
       @pending_question, @last_seq, @usage, @created_at, @updated_at, @finished_at, @idempotency_key, @request_hash, @owner, @token, @ready_at)`,
    ),
    saveRun: db.prepare<RunRow>(
      `UPDATE runs SET status = @status, result = @result, error = @error, pending_question = @pending_question, last_seq = @last_seq,
       usage = @usage, updated_at = @updated_at, finished_at = @finished_at WHERE id = @id`,
    ),
    loadRun: db.prepare<[string], RunRow>(`SELECT ${columns} FROM runs WHERE id = ?`),
    loadOwnedRun: db.prepare<[string, string], RunRow>(`SELECT ${columns} FROM runs WHERE id = ? AND user_id = ?`),
    byKey: db.prepare<[string, string], RunRow>(`SELECT ${columns} FROM runs WHERE user_id = ? AND idempotency_key = ?`),
    countActive: db.prepare<[string], { n: number }>(
      `SELECT count(*) AS n FROM runs WHERE user_id = ? AND status NOT IN (${FINISHED_SQL})`,
    ),
    loadLease: db.prepare<[string], LeaseRow>('SELECT lease_owner AS owner, lease_token AS token, ready_at FROM runs WHERE id = ?'),
    saveLease: db.prepare<[string | null, number, number | null, string]>(
      'UPDATE runs SET lease_owner = ?, lease_token = ?, ready_at = ? WHERE id = ?',
    ),
    readyRunIds: db.prepare<[number, number], { id: string }>(
      'SELECT id FROM runs WHERE ready_at IS NOT NULL AND ready_at <= ? ORDER BY ready_at LIMIT ?',
    ),
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
    // OR IGNORE: a taken position changes nothing and reports 0 rows, which the store turns into JournalConflictError.
    insertEffect: db.prepare<[string, number, string, string, string, string, string | null, number | null, string]>(
      `INSERT OR IGNORE INTO journal (run_id, position, kind, name, fingerprint, summary, outcome, seq, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    journalOf: db.prepare<[string], JournalRow>(
      `SELECT j.position, j.kind, j.name, j.fingerprint, j.summary, j.outcome, j.created_at, m.body AS message
       FROM journal j LEFT JOIN messages m ON m.run_id = j.run_id AND m.seq = j.seq
       WHERE j.run_id = ? ORDER BY j.position`,
    ),
    deleteJournal: db.prepare<[string]>('DELETE FROM journal WHERE run_id = ?'),
    finishedBefore: db.prepare<[string, number], { id: string }>(
      'SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?',
    ),
    // The ids as one JSON array: one statement per table, whatever the batch.
    deleteRuns: ['journal', 'questions', 'messages', 'webhook_deliveries'].map((table) =>
      db.prepare<[string]>(`DELETE FROM ${table} WHERE run_id IN (SELECT value FROM json_each(?))`),
    ),
    deleteRunRows: db.prepare<[string]>('DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))'),
    unfinishedBefore: db.prepare<[string, number], { id: string }>(
      `SELECT id FROM runs WHERE status NOT IN (${FINISHED_SQL}) AND created_at < ? ORDER BY created_at, id LIMIT ?`,
    ),
  }

  // One transaction function for every write: better-sqlite3 builds a wrapper (and its BEGIN,
  // COMMIT and ROLLBACK statements' bindings) per `db.transaction(fn)` call.
  const inTransaction = db.transaction((work: () => unknown) => work())

  return createSyncStore({
    kind: 'sqlite',
    webhooks: createSqliteWebhooks(db),
    transaction: <T>(work: () => T) => inTransaction.immediate(work) as T,
    insertRun: (run, lease) => void statements.insertRun.run({ ...toRunRow(run), ...lease }),
    saveRun: (run) => void statements.saveRun.run(toRunRow(run)),
    loadRun(runId) {
      const row = statements.loadRun.get(runId)
      return row ? toRecord(row) : null
    },
    loadOwnedRun(runId, userId) {
      const row = statements.loadOwnedRun.get(runId, userId)
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
    listQuestions(query) {
      // The question's own JSON holds its created_at and its assignees; the run's row, its owner and workflow.
      const createdAt = "json_extract(q.question, '$.created_at')"
      const where = [
        'q.status = @status',
        "(r.user_id = @user_id OR EXISTS (SELECT 1 FROM json_each(q.question, '$.content.assignees') WHERE value = @user_id))",
      ]
      if (query.workflow !== undefined) where.push('r.workflow = @workflow')
      if (query.run_id !== undefined) where.push('q.run_id = @run_id')
      if (query.cursor) where.push(`(${createdAt} < @cursor_created_at OR (${createdAt} = @cursor_created_at AND q.id < @cursor_id))`)
      const sql = `SELECT ${runColumnsOf('r')}, q.status AS question_status, q.question AS question_json
        FROM questions q JOIN runs r ON r.id = q.run_id
        WHERE ${where.join(' AND ')} ORDER BY ${createdAt} DESC, q.id DESC LIMIT @limit`
      const rows = db.prepare<Record<string, unknown>, RunRow & { question_status: QuestionStatus; question_json: string }>(sql).all({
        user_id: query.user_id,
        status: query.status,
        workflow: query.workflow,
        run_id: query.run_id,
        cursor_created_at: query.cursor?.created_at,
        cursor_id: query.cursor?.id,
        limit: query.limit,
      })
      return rows.map((row) => ({ question: JSON.parse(row.question_json), status: row.question_status, run: toRecord(row) }))
    },
    countActiveRuns: (userId) => statements.countActive.get(userId)?.n ?? 0,
    insertMessage: (m: Message) => void statements.insertMessage.run(m.run_id, m.seq, m.id, m.type, JSON.stringify(m)),
    // Streamed, so that reading stops at the first row past the byte budget.
    messagesAfter: (runId, afterSeq, limit, maxBytes) =>
      takeWithinBytes(statements.messagesAfter.iterate(runId, afterSeq, limit), (row) => Buffer.byteLength(row.body), maxBytes).map(
        (row) => JSON.parse(row.body) as Message,
      ),
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
    insertEffect: (runId, effect, seq, now) =>
      statements.insertEffect.run(
        runId,
        effect.position,
        effect.kind,
        effect.name,
        effect.fingerprint,
        effect.summary,
        effect.outcome === null ? null : JSON.stringify(effect.outcome),
        seq,
        now,
      ).changes === 1,
    journalOf: (runId) => statements.journalOf.all(runId).map(toJournalEntry),
    deleteJournal: (runId) => void statements.deleteJournal.run(runId),
    loadLease: (runId) => statements.loadLease.get(runId) ?? null,
    saveLease: (runId, lease) => void statements.saveLease.run(lease.owner, lease.token, lease.ready_at, runId),
    readyRunIds: (nowMs, limit) => statements.readyRunIds.all(nowMs, limit).map((row) => row.id),
    deleteFinishedRuns(cutoff, limit) {
      const ids = statements.finishedBefore.all(cutoff, limit).map((row) => row.id)
      if (ids.length === 0) return 0
      const list = JSON.stringify(ids)
      for (const statement of statements.deleteRuns) statement.run(list)
      statements.deleteRunRows.run(list)
      return ids.length
    },
    unfinishedRunIdsBefore: (cutoff, limit) => statements.unfinishedBefore.all(cutoff, limit).map((row) => row.id),
    close() {
      db.close()
      lock?.release()
    },
  })
}

function migrate(db: Database): void {
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
