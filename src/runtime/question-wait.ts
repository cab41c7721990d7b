import type { Answer, MessageDraft, Question } from '../schemas/messages.ts'
import type { Lease, Store } from '../store/store.ts'
import { RunCancelledError } from './errors.ts'
import { setTimerAt } from './timers.ts'

export type QuestionOutcome = { kind: 'answered'; answer: Answer } | { kind: 'expired' }

/**
 * Waits for `question` to be settled in the store: a reply (from any server process sharing the
 * store, woken by its subscription), or — when it has a deadline — its expiry, which this wait
 * records at `expires_at` with `expiryDraft` (at once if the deadline passed while the server was
 * down). A cancelled question, or `signal` firing, rejects.
 */
export interface AnswerWait {
  store: Store
  runId: string
  question: Question
  signal: AbortSignal
  /** The log's record of the expiry, appended when the deadline comes. */
  expiryDraft: MessageDraft
  /** The executing worker's lease: the expiry is its write. */
  lease: Lease | undefined
  /** The question is known to be pending now (just asked, nothing changed since): no first read. */
  knownPending?: boolean
}

export function waitForAnswer({ store, runId, question, signal, expiryDraft, lease, knownPending }: AnswerWait): Promise<QuestionOutcome> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new RunCancelledError(runId))
  return new Promise<QuestionOutcome>((resolve, reject) => {
    let done = false
    const finish = (outcome: QuestionOutcome | Error) => {
      if (done) return
      done = true
      unsubscribe()
      cancelTimer()
      signal.removeEventListener('abort', onAbort)
      outcome instanceof Error ? reject(outcome) : resolve(outcome)
    }
    const fail = (error: unknown) => finish(error instanceof Error ? error : new Error(String(error)))
    const check = async () => {
      try {
        const record = await store.getQuestion(runId, question.id)
        if (!record || record.status === 'pending') return
        if (record.status === 'answered' && record.answer !== null) return finish({ kind: 'answered', answer: record.answer })
        if (record.status === 'expired') return finish({ kind: 'expired' })
        finish(new RunCancelledError(runId))
      } catch (error) {
        fail(error)
      }
    }
    const expire = async () => {
      if (done) return
      try {
        const outcome = await store.expireQuestion(runId, question.id, expiryDraft, { lease })
        if (outcome.kind === 'expired') return finish({ kind: 'expired' })
        if (outcome.kind === 'answered') return finish({ kind: 'answered', answer: outcome.answer })
        await check()
      } catch (error) {
        fail(error)
      }
    }
    const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new RunCancelledError(runId))
    // A wake-up that shows the run still waiting (a message of its own, a poll's usage) is let pass unread.
    const unsubscribe = store.subscribe(runId, (hint) => {
      if (hint?.status !== 'awaiting_input') void check()
    })
    const expiresAt = question.content.expires_at
    const cancelTimer = expiresAt ? setTimerAt(Date.parse(expiresAt), () => void expire()) : () => undefined
    signal.addEventListener('abort', onAbort, { once: true })
    if (!knownPending) void check()
  })
}
