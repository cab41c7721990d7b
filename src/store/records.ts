import { randomUUID } from 'node:crypto'
import { v7 as timeOrderedUUID } from 'uuid'
import type { Message, MessageDraft, Question } from '../schemas/messages.ts'
import { isQuestion } from '../schemas/messages.ts'
import type { NewRun, RunChange, RunCursor, RunRecord } from './store.ts'

/** Building blocks every backend shares, so that they agree on what a record looks like. */

export function newRunRecord(input: NewRun, now: string): RunRecord {
  return {
    // UUIDv7 (RFC 9562 §5.7): ids sort in creation order, even within one millisecond, which is
    // the tie-break of listRuns' (created_at, id) order.
    id: timeOrderedUUID(),
    user_id: input.user_id,
    workflow: input.workflow,
    status: 'queued',
    params: input.params,
    result: null,
    error: null,
    pending_question: null,
    last_seq: 0,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    created_at: now,
    updated_at: now,
    finished_at: null,
    idempotency_key: input.idempotency_key,
    request_hash: input.request_hash,
  }
}

export function newMessage(runId: string, seq: number, draft: MessageDraft, now: string, id: string = randomUUID()): Message {
  return { id, seq, run_id: runId, created_at: now, ...draft } as Message
}

/** The run as it is after `message` was appended to it with `change`. */
export function runAfterAppend(run: RunRecord, message: Message, change: RunChange | undefined, now: string): RunRecord {
  const next: RunRecord = { ...run, ...change, last_seq: message.seq, updated_at: now }
  if (isQuestion(message)) {
    next.pending_question = message
    next.status = 'awaiting_input'
  }
  return next
}

export function encodeCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify([cursor.created_at, cursor.id])).toString('base64url')
}

/** Returns null for anything that is not a cursor this server issued. */
export function decodeCursor(raw: string): RunCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { created_at: value[0], id: value[1] }
    }
  } catch {
    // fall through: not ours
  }
  return null
}

/** Orders runs newest first, ties broken by id, the order `listRuns` pages through. */
export function compareRunsNewestFirst(a: Pick<RunRecord, 'created_at' | 'id'>, b: Pick<RunRecord, 'created_at' | 'id'>): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

export function isAfterCursor(run: Pick<RunRecord, 'created_at' | 'id'>, cursor: RunCursor): boolean {
  return compareRunsNewestFirst(cursor, run) < 0
}

/** An ISO timestamp that never goes backwards within this process, so seq order and time order agree. */
let lastNow = 0
export function monotonicNow(): string {
  const now = Math.max(Date.now(), lastNow)
  lastNow = now
  return new Date(now).toISOString()
}

export function sameAnswer(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Whether the question's deadline (`expires_at`) has passed at `nowMs`; a question without one never expires. */
export function hasExpired(question: Question, nowMs: number): boolean {
  const expiresAt = question.content.expires_at
  return typeof expiresAt === 'string' && Date.parse(expiresAt) <= nowMs
}

/**
 * When a run given up by its worker is ready again: waiting for a reply, at its question's
 * deadline (null — never by itself — without one); otherwise at `wakeAt` (a sleep's end) or now.
 */
export function readyAfterRelease(run: RunRecord, wakeAt: number | null, nowMs: number): number | null {
  if (run.status === 'awaiting_input') {
    const expiresAt = run.pending_question?.content.expires_at
    return typeof expiresAt === 'string' ? Date.parse(expiresAt) : null
  }
  return wakeAt ?? nowMs
}
