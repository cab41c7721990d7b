import type { Answer, MessageDraft } from '../schemas/messages.ts'
import { CONTENT_SCHEMAS } from '../schemas/messages.ts'
import type { Store } from '../store/store.ts'
import { RunFinishedError } from '../store/store.ts'
import { RunCancelledError } from './errors.ts'
import type { RunChannel } from './workflow-ui.ts'

/**
 * One run's way out to the world: messages go to the store, and a question waits for its
 * reply to land in the store too — woken by the store's subscription, so the reply may come
 * through any server process that shares the backend.
 */
export function createRunChannel(store: Store, runId: string, signal: AbortSignal): RunChannel {
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    if (signal.aborted) throw new RunCancelledError(runId)
    try {
      return await work()
    } catch (error) {
      if (error instanceof RunFinishedError) throw new RunCancelledError(runId)
      throw error
    }
  }

  return {
    emit: (draft) => guard(() => store.append(runId, checkedDraft(draft))),
    async ask(draft) {
      const question = await guard(() => store.append(runId, checkedDraft(draft)))
      return new Promise<Answer>((resolve, reject) => {
        let done = false
        const finish = (outcome: Answer | Error) => {
          if (done) return
          done = true
          unsubscribe()
          signal.removeEventListener('abort', onAbort)
          outcome instanceof Error ? reject(outcome) : resolve(outcome)
        }
        const check = async () => {
          try {
            const record = await store.getQuestion(runId, question.id)
            if (!record || record.status === 'pending') return
            if (record.status === 'answered' && record.answer !== null) return finish(record.answer)
            finish(new RunCancelledError(runId))
          } catch (error) {
            finish(error instanceof Error ? error : new Error(String(error)))
          }
        }
        const onAbort = () => finish(new RunCancelledError(runId))
        const unsubscribe = store.subscribe(runId, () => void check())
        signal.addEventListener('abort', onAbort, { once: true })
        void check()
      })
    },
  }
}

/**
 * What a workflow hands over becomes plain JSON here, as every backend stores it, and must fit
 * its type's content schema: what JSON cannot carry (a BigInt, a cycle) or what the contract
 * does not allow (`body: 42` from plain JavaScript) fails the workflow's call instead of
 * poisoning the run's log, and the log never shares an object the workflow may still change.
 */
function checkedDraft<D extends MessageDraft>(draft: D): D {
  const copy = JSON.parse(JSON.stringify(draft)) as D
  const checked = CONTENT_SCHEMAS[copy.type].safeParse(copy.content)
  if (!checked.success) {
    const where = checked.error.issues.map((issue) => `${['content', ...issue.path.map(String)].join('.')}: ${issue.message}`)
    throw new TypeError(`invalid ${copy.type} message: ${where.join('; ')}`)
  }
  for (const field of ['sender', 'recipient'] as const) {
    if (copy[field] !== null && typeof copy[field] !== 'string')
      throw new TypeError(`invalid ${copy.type} message: ${field} must be a string`)
  }
  return copy
}
