import type { Answer, Message, MessageDraft } from '../schemas/messages.ts'
import { isQuestion } from '../schemas/messages.ts'
import { addUsage, isFinished } from '../schemas/runs.ts'
import { LiveText } from './live-text.ts'
import { UNBOUNDED_BYTES } from './page-bytes.ts'
import { hasExpired, monotonicNow, newMessage, newRunRecord, readyAfterRelease, runAfterAppend, sameAnswer } from './records.ts'
import { RunEvents, StoreSignals } from './run-events.ts'
import type {
  AnswerOutcome,
  ClaimedRun,
  EffectRecord,
  ExpireOutcome,
  Fenced,
  JournalEntry,
  Lease,
  QuestionListing,
  QuestionQuery,
  QuestionRecord,
  RunChange,
  RunQuery,
  RunRecord,
  Store,
} from './store.ts'
import { audienceOf, JournalConflictError, LeaseLostError, mayAnswer, RunFinishedError } from './store.ts'
import type { SyncWebhookBackend } from './sync-webhooks.ts'
import { createSyncWebhooks } from './sync-webhooks.ts'
import { questionEvent, runFinishedEvent } from './webhook-events.ts'

/** Who may execute a run, as a backend keeps it beside the run (not part of the wire record). */
export interface LeaseRow {
  owner: string | null
  /** The fencing token: goes up by one on every claim. */
  token: number
  /** From when (epoch ms) the run may be claimed: a live lease's expiry, a wake-up time; null: parked, or finished. */
  ready_at: number | null
}

/**
 * The primitives of a backend that runs in this process and can do a synchronous transaction
 * (a Map, an embedded SQLite file). The rules of runs, questions, the log and leases live once,
 * in `createSyncStore`; a backend only stores and loads.
 */
export interface SyncBackend {
  readonly kind: string
  transaction<T>(work: () => T): T
  insertRun(run: RunRecord, lease: LeaseRow): void
  saveRun(run: RunRecord): void
  loadRun(runId: string): RunRecord | null
  /** The run if it is `userId`'s, in one lookup (`WHERE id = ? AND user_id = ?`); another's is null, as a missing one. */
  loadOwnedRun(runId: string, userId: string): RunRecord | null
  findRunByIdempotencyKey(userId: string, key: string): RunRecord | null
  queryRuns(query: RunQuery): RunRecord[]
  countActiveRuns(userId: string): number
  insertMessage(message: Message): void
  /** At most `limit` messages, and `maxBytes` of their JSON, but at least one (see page-bytes.ts). */
  messagesAfter(runId: string, afterSeq: number, limit: number, maxBytes: number): Message[]
  loadQuestion(questionId: string): (QuestionRecord & { run_id: string }) | null
  saveQuestion(runId: string, record: QuestionRecord): void
  /** The inbox's page (QuestionQuery), newest question first. */
  listQuestions(query: QuestionQuery): QuestionListing[]
  /** Returns false when the position is taken (the caller raises JournalConflictError). */
  insertEffect(runId: string, effect: EffectRecord, seq: number | null, now: string): boolean
  journalOf(runId: string): JournalEntry[]
  deleteJournal(runId: string): void
  loadLease(runId: string): LeaseRow | null
  saveLease(runId: string, lease: LeaseRow): void
  /** Ids of runs whose `ready_at` has come (≤ nowMs), earliest first. */
  readyRunIds(nowMs: number, limit: number): string[]
  /** Deletes up to `limit` runs finished before `cutoff`, oldest first, with all they own; how many. */
  deleteFinishedRuns(cutoff: string, limit: number): number
  /** Ids of up to `limit` unfinished runs created before `cutoff`, oldest first. */
  unfinishedRunIdsBefore(cutoff: string, limit: number): string[]
  readonly webhooks: SyncWebhookBackend
  close(): void
}

export type SyncStore = Store & { readonly events: RunEvents }

export function createSyncStore(backend: SyncBackend): SyncStore {
  const events = new RunEvents()
  const signals = new StoreSignals()
  const liveText = new LiveText()
  const webhooks = createSyncWebhooks(backend.webhooks, (work) => backend.transaction(work), signals)

  function activeRun(runId: string, fence?: Fenced): RunRecord {
    const run = backend.loadRun(runId)
    if (!run) throw new Error(`unknown run ${runId}`)
    if (isFinished(run.status)) throw new RunFinishedError(runId)
    if (fence?.lease && backend.loadLease(runId)?.token !== fence.lease.token) throw new LeaseLostError(runId)
    return run
  }

  /** Appends within the caller's transaction; returns the message and the run after it. */
  function appendTo(run: RunRecord, draft: MessageDraft, change: RunChange | undefined, now: string, id?: string) {
    const message = newMessage(run.id, run.last_seq + 1, draft, now, id)
    backend.insertMessage(message)
    const next = runAfterAppend(run, message, change, now)
    if (isQuestion(message)) {
      backend.saveQuestion(run.id, { question: message, status: 'pending', answer: null, reply: null })
      webhooks.queue(questionEvent(next, message, 'pending', now))
    }
    return { message, run: next }
  }

  function journal(runId: string, effect: EffectRecord, seq: number | null, now: string): void {
    if (!backend.insertEffect(runId, effect, seq, now)) throw new JournalConflictError(runId, effect.position)
  }

  function questionOf(runId: string, questionId: string) {
    const record = backend.loadQuestion(questionId)
    return record && record.run_id === runId ? record : null
  }

  /** A run nobody holds (its lease lapsed, or it was parked) is ready for a worker again. */
  function readyIfUnheld(runId: string, nowMs: number): boolean {
    const lease = backend.loadLease(runId)
    if (!lease) return false
    const held = lease.owner !== null && lease.ready_at !== null && lease.ready_at > nowMs
    if (held) return false
    backend.saveLease(runId, { owner: null, token: lease.token, ready_at: nowMs })
    return true
  }

  /** Wakes the run's listeners, telling them its state after the change (they skip reads it makes needless). */
  function changed(runId: string, run: Pick<RunRecord, 'last_seq' | 'status'>): void {
    events.emit(runId, { last_seq: run.last_seq, status: run.status })
  }

  return {
    kind: backend.kind,
    events,
    liveText,
    webhooks,
    publishText: (event) => liveText.receive(event),

    async createRun(input) {
      const outcome = backend.transaction(() => {
        if (input.idempotency_key !== null) {
          const existing = backend.findRunByIdempotencyKey(input.user_id, input.idempotency_key)
          if (existing) return { kind: 'existing' as const, run: existing }
        }
        // Checked inside the transaction, after the key lookup: a retry is never refused, and
        // two concurrent creates cannot both slip under the limit.
        const active = backend.countActiveRuns(input.user_id)
        if (active >= input.max_active_runs) return { kind: 'limit_reached' as const, active }
        const run = newRunRecord(input, monotonicNow())
        const now = Date.now()
        const claimed = input.lease
        backend.insertRun(
          run,
          claimed ? { owner: claimed.owner, token: 1, ready_at: now + claimed.ms } : { owner: null, token: 0, ready_at: now },
        )
        return { kind: 'created' as const, run, lease: claimed ? { runId: run.id, token: 1 } : null }
      })
      if (outcome.kind === 'created' && !outcome.lease) signals.runnable()
      return outcome
    },

    async getRun(runId, userId) {
      return userId === undefined ? backend.loadRun(runId) : backend.loadOwnedRun(runId, userId)
    },

    async listRuns(query) {
      return backend.queryRuns(query)
    },

    async countActiveRuns(userId) {
      return backend.countActiveRuns(userId)
    },

    async append(runId, draft, options = {}) {
      const { message, run } = backend.transaction(() => {
        const now = monotonicNow()
        const current = activeRun(runId, options)
        // The journal entry first: a taken position must leave nothing written (the memory backend has no rollback).
        if (options.effect) journal(runId, options.effect, current.last_seq + 1, now)
        const result = appendTo(current, draft, options.change, now, options.id)
        backend.saveRun(result.run)
        return result
      })
      changed(runId, run)
      if (isQuestion(message)) signals.questionAsked(audienceOf(run, message))
      return message
    },

    async recordEffect(runId, write) {
      const run = backend.transaction(() => {
        const current = activeRun(runId, write)
        const now = monotonicNow()
        if (write.effect) journal(runId, write.effect, null, now)
        if (!write.usage) return null
        const next = { ...current, usage: addUsage(current.usage, write.usage), updated_at: now }
        backend.saveRun(next)
        return next
      })
      // Only a usage change is news to pollers (`Run.usage`); the journal itself is not on the wire.
      if (run) changed(runId, run)
    },

    async readJournal(runId) {
      return backend.journalOf(runId)
    },

    async listMessages(runId, afterSeq, limit, maxBytes = UNBOUNDED_BYTES) {
      return backend.messagesAfter(runId, afterSeq, limit, maxBytes)
    },

    async readPage(runId, afterSeq, limit, maxBytes = UNBOUNDED_BYTES, userId) {
      const run = userId === undefined ? backend.loadRun(runId) : backend.loadOwnedRun(runId, userId)
      return run ? { run, messages: backend.messagesAfter(runId, afterSeq, limit, maxBytes) } : null
    },

    async getQuestion(runId, questionId, userId) {
      const record = questionOf(runId, questionId)
      if (!record) return null
      if (userId !== undefined) {
        const run = backend.loadRun(runId)
        if (!run || !mayAnswer(userId, run, record.question)) return null
      }
      const { run_id: _, ...question } = record
      return question
    },

    async listQuestions(query) {
      return backend.listQuestions(query)
    },

    async answerQuestion(
      runId,
      questionId,
      answer: Answer,
      replyFrom,
      _replyTo,
      shown = answer,
      answeredBy?: string,
    ): Promise<AnswerOutcome> {
      const outcome = backend.transaction((): AnswerOutcome & { ready?: boolean } => {
        const record = questionOf(runId, questionId)
        if (!record) return { kind: 'not_found' }
        if (record.status === 'answered' && record.reply && sameAnswer(record.answer, answer)) {
          return { kind: 'duplicate', reply: record.reply }
        }
        if (record.status !== 'pending') return { kind: 'not_pending', status: record.status }
        // Past its deadline the question takes no reply, even before the runtime has expired it.
        const nowMs = Date.now()
        if (hasExpired(record.question, nowMs)) return { kind: 'not_pending', status: 'expired' }
        const draft: MessageDraft = {
          type: 'reply',
          content: { question_id: questionId, answer: shown, ...(answeredBy === undefined ? {} : { answered_by: answeredBy }) },
          sender: replyFrom,
          recipient: record.question.sender,
          auto_reply: false,
        }
        const now = monotonicNow()
        const { message, run } = appendTo(activeRun(runId), draft, { status: 'running' }, now)
        const answered: RunRecord = { ...run, pending_question: null }
        backend.saveRun(answered)
        backend.saveQuestion(runId, { question: record.question, status: 'answered', answer, reply: message })
        webhooks.queue(questionEvent(answered, record.question, 'answered', now))
        return { kind: 'answered', reply: message, ready: readyIfUnheld(runId, nowMs) }
      })
      if (outcome.kind !== 'answered') return outcome
      if (outcome.ready) signals.runnable()
      changed(runId, { last_seq: outcome.reply.seq, status: 'running' })
      return { kind: outcome.kind, reply: outcome.reply }
    },

    async expireQuestion(runId, questionId, draft, fence = {}): Promise<ExpireOutcome> {
      const outcome = backend.transaction((): ExpireOutcome => {
        const record = questionOf(runId, questionId)
        if (!record) throw new Error(`run ${runId} has no question ${questionId}`)
        if (record.status === 'answered' && record.answer !== null) return { kind: 'answered', answer: record.answer }
        if (record.status !== 'pending') return { kind: 'not_pending', status: record.status }
        const now = monotonicNow()
        const { message, run } = appendTo(activeRun(runId, fence), draft, { status: 'running' }, now)
        const resumed: RunRecord = { ...run, pending_question: null }
        backend.saveRun(resumed)
        backend.saveQuestion(runId, { question: record.question, status: 'expired', answer: null, reply: null })
        webhooks.queue(questionEvent(resumed, record.question, 'expired', now))
        return { kind: 'expired', message }
      })
      if (outcome.kind === 'expired') changed(runId, { last_seq: outcome.message.seq, status: 'running' })
      return outcome
    },

    async finishRun(runId, finish) {
      const finished = backend.transaction(() => {
        const current = backend.loadRun(runId)
        if (!current || isFinished(current.status)) return null
        if (finish.lease && backend.loadLease(runId)?.token !== finish.lease.token) throw new LeaseLostError(runId)
        const now = monotonicNow()
        const pending = current.pending_question ? backend.loadQuestion(current.pending_question.id) : null
        if (pending) {
          const { run_id: _, ...question } = pending
          backend.saveQuestion(runId, { ...question, status: finish.questionStatus })
        }
        let run = current
        for (const draft of finish.drafts) run = appendTo(run, draft, undefined, now).run
        const next: RunRecord = { ...run, ...finish.change, pending_question: null, updated_at: now }
        backend.saveRun(next)
        // Reported in this order: the question closed, then the run finished.
        if (pending) webhooks.queue(questionEvent(next, pending.question, finish.questionStatus, now))
        webhooks.queue(runFinishedEvent(next, now))
        // A finished run is never executed again: its journal has served its purpose, its lease ends.
        backend.deleteJournal(runId)
        const lease = backend.loadLease(runId)
        backend.saveLease(runId, { owner: null, token: lease?.token ?? 0, ready_at: null })
        return next
      })
      if (!finished) return null
      signals.finished(runId)
      changed(runId, finished)
      return finished
    },

    async claimRuns(owner, { limit, leaseMs }) {
      const nowMs = Date.now()
      const ready = backend.readyRunIds(nowMs, limit)
      // Nothing ready, nothing to write: no transaction (the worker asks after every run's step).
      // Read just before it, with no await between, the list is what the transaction would read.
      if (ready.length === 0) return []
      return backend.transaction(() => {
        const claimed: ClaimedRun[] = []
        for (const runId of ready) {
          const run = backend.loadRun(runId)
          const lease = backend.loadLease(runId)
          if (!run || !lease || isFinished(run.status)) continue
          const token = lease.token + 1
          backend.saveLease(runId, { owner, token, ready_at: nowMs + leaseMs })
          claimed.push({ run, lease: { runId, token } })
        }
        return claimed
      })
    },

    async renewLeases(owner, leases, leaseMs) {
      return backend.transaction(() => {
        const readyAt = Date.now() + leaseMs
        const lost: string[] = []
        for (const { runId, token } of leases) {
          const lease = backend.loadLease(runId)
          if (!lease || lease.token !== token || lease.owner !== owner || lease.ready_at === null) lost.push(runId)
          else backend.saveLease(runId, { owner, token, ready_at: readyAt })
        }
        return lost
      })
    },

    async releaseLease({ runId, token }: Lease, release) {
      const ready = backend.transaction(() => {
        const lease = backend.loadLease(runId)
        const run = backend.loadRun(runId)
        if (!lease || lease.token !== token || !run || isFinished(run.status)) return false
        const nowMs = Date.now()
        const readyAt = release.park ? readyAfterRelease(run, release.wakeAt, nowMs) : nowMs
        backend.saveLease(runId, { owner: null, token, ready_at: readyAt })
        return readyAt !== null
      })
      if (ready) signals.runnable()
    },

    subscribe(runId, listener) {
      return events.subscribe(runId, listener)
    },
    onQuestionAsked: (listener) => signals.onQuestionAsked(listener),
    onRunnable: (listener) => signals.onRunnable(listener),
    onFinished: (listener) => signals.onFinished(listener),

    async deleteFinishedBefore(cutoff, limit) {
      return backend.transaction(() => backend.deleteFinishedRuns(cutoff, limit))
    },

    async unfinishedBefore(cutoff, limit) {
      return backend.unfinishedRunIdsBefore(cutoff, limit)
    },

    async close() {
      backend.close()
    },
  }
}
