import type { Message } from '../schemas/messages.ts'
import type { RunStatus } from '../schemas/runs.ts'
import { isFinished } from '../schemas/runs.ts'
import type { RunHint } from '../store/run-events.ts'
import type { Store } from '../store/store.ts'

export interface MessageWait {
  runId: string
  after: number
  limit: number
  waitMs: number
  /** The client's connection: aborted when it goes away, which ends the wait at once. */
  signal?: AbortSignal | undefined
  /** The server is stopping: the wait ends at once with what it has, and a new one does not begin. */
  stopping?: AbortSignal | undefined
  /** Counts the polls held open right now (for /healthz). */
  gauge?: { held: number } | undefined
}

/** What a page says of its run besides the messages. */
export interface RunState {
  status: RunStatus
  last_seq: number
}

export interface MessagePageData extends RunState {
  messages: Message[]
}

/**
 * The long-poll: answers at once when messages after the cursor exist or the run has finished,
 * otherwise waits for the store's wake-up for this run (not a timer loop) or until `waitMs`.
 * A wake-up that carries the run's state (`RunHint`) and shows nothing new is let pass without
 * reading the store. Whatever way the wait ends, its listener, timer and abort handler are gone.
 */
export async function waitForMessages(store: Store, known: RunState, wait: MessageWait): Promise<MessagePageData> {
  let state: RunState = { status: known.status, last_seq: known.last_seq }
  // The state in hand is current unless a message is newer than it: every status change comes
  // with a message, so only then is the run read again.
  const read = async (): Promise<MessagePageData> => {
    const messages = await store.listMessages(wait.runId, wait.after, wait.limit)
    const newest = messages.at(-1)?.seq ?? 0
    if (newest > state.last_seq) {
      const latest = await store.getRun(wait.runId)
      if (latest) state = { status: latest.status, last_seq: latest.last_seq }
    }
    return { messages, ...state }
  }
  const ready = (candidate: RunState) => candidate.last_seq > wait.after || isFinished(candidate.status)
  if (ready(state) || wait.waitMs <= 0 || wait.stopping?.aborted) return read()
  if (wait.signal?.aborted) return { messages: [], ...state }

  return new Promise((resolve, reject) => {
    let settled = false
    let reading = false
    let wokenWhileReading = false

    const finish = (outcome: MessagePageData | Error) => {
      if (settled) return
      settled = true
      if (wait.gauge) wait.gauge.held--
      unsubscribe()
      clearTimeout(timer)
      wait.signal?.removeEventListener('abort', onAbort)
      wait.stopping?.removeEventListener('abort', onAbort)
      outcome instanceof Error ? reject(outcome) : resolve(outcome)
    }
    const check = async (hint?: RunHint) => {
      if (settled) return
      if (hint) {
        // The wake-up says what changed: nothing for this cursor, or enough to read the page at once.
        if (!ready(hint)) return
        if (hint.last_seq >= state.last_seq) state = hint
      }
      if (reading) {
        wokenWhileReading = true
        return
      }
      reading = true
      try {
        let known = hint !== undefined
        do {
          wokenWhileReading = false
          if (!known) {
            const latest = await store.getRun(wait.runId)
            if (latest) state = { status: latest.status, last_seq: latest.last_seq }
          }
          known = false
          if (ready(state)) return finish(await read())
        } while (wokenWhileReading && !settled)
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)))
      } finally {
        reading = false
      }
    }
    if (wait.gauge) wait.gauge.held++
    const onAbort = () => finish({ messages: [], ...state })
    // Subscribe before the re-check, so a message appended in between still wakes us.
    const unsubscribe = store.subscribe(wait.runId, (hint) => void check(hint))
    const timer = setTimeout(async () => {
      if (settled) return
      try {
        const latest = await store.getRun(wait.runId)
        finish({ messages: [], ...(latest ? { status: latest.status, last_seq: latest.last_seq } : state) })
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)))
      }
    }, wait.waitMs)
    wait.signal?.addEventListener('abort', onAbort, { once: true })
    // Answered with the state in hand, never a reset connection: the client polls again from the same cursor.
    wait.stopping?.addEventListener('abort', onAbort, { once: true })
    void check()
  })
}
