import type { Message } from '../schemas/messages.ts'
import type { JournalEntry, RunRecord } from './store.ts'

/**
 * How a SQL backend (SQLite, PostgreSQL) holds a run and a journal entry: JSON as the text it was
 * written as, read back into records here, once for both.
 */

export const RUN_COLUMNS =
  'id, user_id, workflow, status, params, result, error, pending_question, last_seq, usage, created_at, updated_at, finished_at, idempotency_key, request_hash'

/** RUN_COLUMNS of a table named `alias` in a join: `r.id, r.user_id, …`. */
export function runColumnsOf(alias: string): string {
  return RUN_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ')
}

export interface RunRow {
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

export const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T))

export function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    user_id: row.user_id,
    workflow: row.workflow,
    status: row.status,
    params: JSON.parse(row.params),
    result: row.result,
    error: parse(row.error),
    pending_question: parse(row.pending_question),
    last_seq: row.last_seq,
    usage: JSON.parse(row.usage),
    created_at: row.created_at,
    updated_at: row.updated_at,
    finished_at: row.finished_at,
    idempotency_key: row.idempotency_key,
    request_hash: row.request_hash,
  }
}

/** A run as the SQL backends write it: JSON columns as text. */
export function toRunRow(run: RunRecord): RunRow {
  return {
    ...run,
    params: JSON.stringify(run.params),
    error: run.error && JSON.stringify(run.error),
    pending_question: run.pending_question && JSON.stringify(run.pending_question),
    usage: JSON.stringify(run.usage),
  }
}

export interface JournalRow {
  position: number
  kind: JournalEntry['kind']
  name: string
  fingerprint: string
  summary: string
  outcome: string | null
  created_at: string
  message: string | null
}

export function toJournalEntry(row: JournalRow): JournalEntry {
  return {
    position: row.position,
    kind: row.kind,
    name: row.name,
    fingerprint: row.fingerprint,
    summary: row.summary,
    outcome: parse(row.outcome),
    message: parse<Message>(row.message),
    created_at: row.created_at,
  }
}
