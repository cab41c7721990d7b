import type { Answer, Message, MessageDraft } from '../schemas/messages.ts'
import { isQuestion } from '../schemas/messages.ts'
import { addUsage, isFinished } from '../schemas/runs.ts'
import { hasExpired, monotonicNow, newMessage, newRunRecord, runAfterAppend, sameAnswer } from './records.ts'
import { RunEvents } from './run-events.ts'
import type {
  AnswerOutcome,
  EffectRecord,
  ExpireOutcome,
  JournalEntry,
  QuestionRecord,
  QuestionStatus,
  RunChange,
  RunQuery,
  RunRecord,
  Store,
} from './store.ts'
import { JournalConflictError, RunFinishedError } from './store.ts'

/**
 * The primitives of a backend that runs in this process and can do a synchronous transaction
 * (a Map, an embedded SQLite file). The rules of runs, questions and the log live once, in
 * `createSyncStore`; a backend only stores and loads.
 */
export interface SyncBackend {
  readonly kind: string
  transaction<T>(work: () => T): T
  insertRun(run: RunRecord): void
  saveRun(run: RunRecord): void
  loadRun(runId: string): RunRecord | null
  findRunByIdempotencyKey(userId: string, key: string): RunRecord | null
  queryRuns(query: RunQuery): RunRecord[]
  countActiveRuns(userId: string): number
  unfinishedRuns(): RunRecord[]
  insertMessage(message: Message): void
  messagesAfter(runId: string, afterSeq: number, limit: number): Message[]
  loadQuestion(questionId: string): (QuestionRecord & { run_id: string }) | null
  saveQuestion(runId: string, record: QuestionRecord): void
  /** Returns false when the position is taken (the caller raises JournalConflictError). */
  insertEffect(runId: string, effect: EffectRecord, seq: number | null, now: string): boolean
  journalOf(runId: string): JournalEntry[]
  deleteJournal(runId: string): void
  close(): void
}

export function createSyncStore(backend: SyncBackend): Store & { readonly events: RunEvents } {
  const events = new RunEvents()

  function activeRun(runId: string): RunRecord {
    const run = backend.loadRun(runId)
    if (!run) throw new Error(`unknown run ${runId}`)
    if (isFinished(run.status)) throw new RunFinishedError(runId)
    return run
  }

  /** Appends within the caller's transaction; returns the message and the run after it. */
  function appendTo(run: RunRecord, draft: MessageDraft, change: RunChange | undefined, now: string) {
    const message = newMessage(run.id, run.last_seq + 1, draft, now)
    backend.insertMessage(message)
    if (isQuestion(message)) backend.saveQuestion(run.id, { question: message, status: 'pending', answer: null, reply: null })
    return { message, run: runAfterAppend(run, message, change, now) }
  }

  function journal(runId: string, effect: EffectRecord, seq: number | null, now: string): void {
    if (!backend.insertEffect(runId, effect, seq, now)) throw new JournalConflictError(runId, effect.position)
  }

  /** The pending question `questionId` of `runId`, or why there is none. */
  function pendingQuestion(runId: string, questionId: string) {
    const record = backend.loadQuestion(questionId)
    if (!record || record.run_id !== runId) return { kind: 'not_found' as const }
    return { kind: 'found' as const, record }
  }

  function changed<T>(runId: string, value: T): T {
    events.emit(runId)
    return value
  }

  return {
    kind: backend.kind,
    events,

    async createRun(input) {
      return backend.transaction(() => {
        if (input.idempotency_key !== null) {
          const existing = backend.findRunByIdempotencyKey(input.user_id, input.idempotency_key)
          if (existing) return { kind: 'existing' as const, run: existing }
        }
        // Checked inside the transaction, after the key lookup: a retry is never refused, and
        // two concurrent creates cannot both slip under the limit.
        const active = backend.countActiveRuns(input.user_id)
        if (active >= input.max_active_runs) return { kind: 'limit_reached' as const, active }
        const run = newRunRecord(input, monotonicNow())
        backend.insertRun(run)
        return { kind: 'created' as const, run }
      })
    },

    async getRun(runId) {
      return backend.loadRun(runId)
    },

    async listRuns(query) {
      return backend.queryRuns(query)
    },

    async countActiveRuns(userId) {
      return backend.countActiveRuns(userId)
    },

    async listUnfinishedRuns() {
      return backend.unfinishedRuns()
    },

    async append(runId, draft, options = {}) {
      const message = backend.transaction(() => {
        const now = monotonicNow()
        const run = activeRun(runId)
        // The journal entry first: a taken position must leave nothing written (the memory backend has no rollback).
        if (options.effect) journal(runId, options.effect, run.last_seq + 1, now)
        const result = appendTo(run, draft, options.change, now)
        backend.saveRun(result.run)
        return result.message
      })
      return changed(runId, message)
    },

    async recordEffect(runId, effect, usage) {
      const run = backend.transaction(() => {
        const current = activeRun(runId)
        const now = monotonicNow()
        if (effect) journal(runId, effect, null, now)
        if (!usage) return null
        const next = { ...current, usage: addUsage(current.usage, usage), updated_at: now }
        backend.saveRun(next)
        return next
      })
      // Only a usage change is news to pollers (`Run.usage`); the journal itself is not on the wire.
      if (run) changed(runId, run)
    },

    async readJournal(runId) {
      return backend.journalOf(runId)
    },

    async listMessages(runId, afterSeq, limit) {
      return backend.messagesAfter(runId, afterSeq, limit)
    },

    async getQuestion(runId, questionId) {
      const record = backend.loadQuestion(questionId)
      if (!record || record.run_id !== runId) return null
      const { run_id: _, ...question } = record
      return question
    },

    async answerQuestion(runId, questionId, answer: Answer, replyFrom): Promise<AnswerOutcome> {
      const outcome = backend.transaction((): AnswerOutcome => {
        const found = pendingQuestion(runId, questionId)
        if (found.kind === 'not_found') return found
        const { record } = found
        if (record.status === 'answered' && record.reply && sameAnswer(record.answer, answer)) {
          return { kind: 'duplicate', reply: record.reply }
        }
        if (record.status !== 'pending') return { kind: 'not_pending', status: record.status }
        // Past its deadline the question takes no reply, even before the runtime has expired it.
        if (hasExpired(record.question, Date.now())) return { kind: 'not_pending', status: 'expired' }
        const draft: MessageDraft = {
          type: 'reply',
          content: { question_id: questionId, answer },
          sender: replyFrom,
          recipient: record.question.sender,
          auto_reply: false,
        }
        const { message, run } = appendTo(activeRun(runId), draft, { status: 'running' }, monotonicNow())
        backend.saveRun({ ...run, pending_question: null })
        backend.saveQuestion(runId, { question: record.question, status: 'answered', answer, reply: message })
        return { kind: 'answered', reply: message }
      })
      return outcome.kind === 'answered' ? changed(runId, outcome) : outcome
    },

    async expireQuestion(runId, questionId, draft): Promise<ExpireOutcome> {
      const outcome = backend.transaction((): ExpireOutcome => {
        const found = pendingQuestion(runId, questionId)
        if (found.kind === 'not_found') throw new Error(`run ${runId} has no question ${questionId}`)
        const { record } = found
        if (record.status === 'answered' && record.answer !== null) return { kind: 'answered', answer: record.answer }
        if (record.status !== 'pending') return { kind: 'not_pending', status: record.status }
        const { message, run } = appendTo(activeRun(runId), draft, { status: 'running' }, monotonicNow())
        backend.saveRun({ ...run, pending_question: null })
        backend.saveQuestion(runId, { question: record.question, status: 'expired', answer: null, reply: null })
        return { kind: 'expired', message }
      })
      return outcome.kind === 'expired' ? changed(runId, outcome) : outcome
    },

    async finishRun(runId, drafts, change, questionStatus: QuestionStatus) {
      const finished = backend.transaction(() => {
        const current = backend.loadRun(runId)
        if (!current || isFinished(current.status)) return null
        const now = monotonicNow()
        const pending = current.pending_question ? backend.loadQuestion(current.pending_question.id) : null
        if (pending) {
          const { run_id: _, ...question } = pending
          backend.saveQuestion(runId, { ...question, status: questionStatus })
        }
        let run = current
        for (const draft of drafts) run = appendTo(run, draft, undefined, now).run
        const next: RunRecord = { ...run, ...change, pending_question: null, updated_at: now }
        backend.saveRun(next)
        // A finished run is never executed again: its journal has served its purpose.
        backend.deleteJournal(runId)
        return next
      })
      return finished ? changed(runId, finished) : null
    },

    subscribe(runId, listener) {
      return events.subscribe(runId, listener)
    },

    async close() {
      backend.close()
    },
  }
}
