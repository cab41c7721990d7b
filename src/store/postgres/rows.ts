import type { Message } from '../../schemas/messages.ts'
import type { JournalEntry, QuestionRecord, RunRecord } from '../store.ts'

/** How the PostgreSQL tables hold records: JSON as the text it was written as, numbers as numbers. */

export const RUN_COLUMNS =
  'id, user_id, workflow, status, params, result, error, pending_question, last_seq, usage, created_at, updated_at, finished_at, idempotency_key, request_hash'

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

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T))

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

export interface QuestionRow {
  status: QuestionRecord['status']
  question: string
  answer: string | null
  /** The reply message's text, joined from `messages` by the question's `reply_id`. */
  reply: string | null
}

export function toQuestion(row: QuestionRow): QuestionRecord {
  return { status: row.status, question: JSON.parse(row.question), answer: parse(row.answer), reply: parse(row.reply) }
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
