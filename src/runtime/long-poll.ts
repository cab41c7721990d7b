import type { Message } from '../schemas/messages.ts'
import { isFinished } from '../schemas/runs.ts'
import type { RunRecord, Store } from '../store/store.ts'

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

/**
 * The long-poll: answers at once when messages after the cursor exist or the run has finished,
 * otherwise waits for the store's wake-up for this run (not a timer loop) or until `waitMs`.
 * Whatever way the wait ends, its listener, timer and abort handler are gone.
 */
export async function waitForMessages(store: Store, run: RunRecord, wait: MessageWait): Promise<{ messages: Message[]; run: RunRecord }> {
  // The run record read before the messages is current unless a message is newer than it: every
  // status change comes with a message, so only then is it read again.
  const read = async () => {
    const messages = await store.listMessages(wait.runId, wait.after, wait.limit)
    const newest = messages.at(-1)?.seq ?? 0
    const latest = newest > run.last_seq ? ((await store.getRun(wait.runId)) ?? run) : run
    return { messages, run: latest }
  }
  if (run.last_seq > wait.after || isFinished(run.status) || wait.waitMs <= 0 || wait.stopping?.aborted) return read()
  if (wait.signal?.aborted) return { messages: [], run }

  return new Promise((resolve, reject) => {
    let settled = false
    let reading = false
    let wokenWhileReading = false

    const finish = (outcome: { messages: Message[]; run: RunRecord } | Error) => {
      if (settled) return
      settled = true
      if (wait.gauge) wait.gauge.held--
      unsubscribe()
      clearTimeout(timer)
      wait.signal?.removeEventListener('abort', onAbort)
      wait.stopping?.removeEventListener('abort', onAbort)
      outcome instanceof Error ? reject(outcome) : resolve(outcome)
    }
    const check = async () => {
      if (settled) return
      if (reading) {
        wokenWhileReading = true
        return
      }
      reading = true
      try {
        do {
          wokenWhileReading = false
          const latest = await store.getRun(wait.runId)
          if (latest && (latest.last_seq > wait.after || isFinished(latest.status))) {
            run = latest
            return finish(await read())
          }
        } while (wokenWhileReading && !settled)
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)))
      } finally {
        reading = false
      }
    }
    if (wait.gauge) wait.gauge.held++
    const onAbort = () => finish({ messages: [], run })
    // Subscribe before the re-check, so a message appended in between still wakes us.
    const unsubscribe = store.subscribe(wait.runId, () => void check())
    const timer = setTimeout(async () => {
      if (settled) return
      try {
        finish({ messages: [], run: (await store.getRun(wait.runId)) ?? run })
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
