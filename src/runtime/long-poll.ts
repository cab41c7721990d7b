import type { Message } from '../schemas/messages.ts'
import type { RunStatus } from '../schemas/runs.ts'
import { isFinished } from '../schemas/runs.ts'
import type { RunHint } from '../store/run-events.ts'
import type { Store } from '../store/store.ts'
import type { Stopping } from './stopping.ts'

export interface MessageWait {
  runId: string
  after: number
  limit: number
  /** Bytes of messages the page holds at most (always at least one message); unbounded when absent. */
  maxBytes?: number | undefined
  waitMs: number
  /**
   * Listens for the client going away, which ends the wait at once: called only when the poll is
   * about to wait, with the function to call then (at once, if it has gone already); returns how
   * to stop listening. See src/http/client-gone.ts.
   */
  clientGone?: ClientGone | undefined
  /** The server is stopping: the wait ends at once with what it has, and a new one does not begin. */
  stopping?: Stopping | undefined
  /** Counts the polls held open right now (for /healthz). */
  gauge?: { held: number } | undefined
  /**
   * Called when the poll is about to wait (not when it is answered at once): takes a place among
   * the caller's held polls, or throws (a per-user cap); returns the function that gives it back.
   */
  hold?: ((waitMs: number) => () => void) | undefined
  /**
   * Another reason to answer a held poll, with no new message (live text for `deltas=true`):
   * called once the poll holds, with the function that answers it; returns how to stop listening.
   */
  wakeOn?: ((answer: () => void) => () => void) | undefined
}

/** Calls `gone` when the client goes away (at once if it has), until the function it returns is called. */
export type ClientGone = (gone: () => void) => () => void

/** A client's departure told by an AbortSignal (an in-process request's, an event stream's). */
export function goneOnAbort(signal: AbortSignal): ClientGone {
  return (gone) => {
    if (signal.aborted) {
      gone()
      return () => undefined
    }
    signal.addEventListener('abort', gone, { once: true })
    return () => signal.removeEventListener('abort', gone)
  }
}

/** What a page says of its run besides the messages. */
export interface RunState {
  status: RunStatus
  last_seq: number
}

/** Only what a page says of its run, whatever record it is read from. */
export function stateOf(run: RunState): RunState {
  return { status: run.status, last_seq: run.last_seq }
}

export interface MessagePageData extends RunState {
  messages: Message[]
}

/**
 * The long-poll: answers at once when messages after the cursor exist or the run has finished,
 * otherwise waits for the store's wake-up for this run (not a timer loop) or until `waitMs`.
 *
 * It listens before it reads the first page (`firstPage`: the run and its messages, in one read
 * where the store can), so a change between the two is never missed; a wake-up that carries the
 * run's state (`RunHint`) and shows nothing new is let pass without reading the store. Whatever
 * way the wait ends, its listener, timer and abort handler are gone.
 */
export function waitForMessages(store: Store, wait: MessageWait, firstPage: () => Promise<MessagePageData>): Promise<MessagePageData> {
  if (wait.waitMs <= 0 || wait.stopping?.stopped) return firstPage()

  return new Promise((resolve, reject) => {
    let settled = false
    let holding = false
    let reading = false
    let wokenWhileReading = false
    /** The run's state as last known; undefined until the first page is in. */
    let state: RunState | undefined
    let timer: NodeJS.Timeout | undefined
    let forgetStop = () => undefined as unknown
    let forgetWake = () => undefined as unknown
    let release = () => undefined as unknown
    let forgetClient = () => undefined as unknown

    const ready = (candidate: RunState) => candidate.last_seq > wait.after || isFinished(candidate.status)
    const finish = (outcome: MessagePageData | Error) => {
      if (settled) return
      settled = true
      if (holding && wait.gauge) wait.gauge.held--
      release()
      unsubscribe()
      clearTimeout(timer)
      forgetClient()
      forgetStop()
      forgetWake()
      outcome instanceof Error ? reject(outcome) : resolve(outcome)
    }
    const fail = (error: unknown) => finish(error instanceof Error ? error : new Error(String(error)))
    // The state in hand is current unless a message is newer than it: every status change comes
    // with a message, so only then is the run read again.
    const read = async (known: RunState): Promise<MessagePageData> => {
      const messages = await store.listMessages(wait.runId, wait.after, wait.limit, wait.maxBytes)
      const newest = messages.at(-1)?.seq ?? 0
      if (newest <= known.last_seq) return { messages, ...known }
      const latest = await store.getRun(wait.runId)
      return { messages, ...(latest ? stateOf(latest) : known) }
    }
    const check = async (hint?: RunHint) => {
      if (settled) return
      if (hint) {
        // The wake-up says what changed: nothing for this cursor, or enough to read the page at once.
        if (!ready(hint)) return
        if (!state || hint.last_seq >= state.last_seq) state = hint
      }
      if (reading || !state) {
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
            if (latest) state = stateOf(latest)
          }
          known = false
          if (ready(state)) return finish(await read(state))
        } while (wokenWhileReading && !settled)
      } catch (error) {
        fail(error)
      } finally {
        reading = false
      }
    }
    const onAbort = () => state && finish({ messages: [], ...state })
    // Listening before the first read: a message appended while it runs still wakes the wait.
    const unsubscribe = store.subscribe(wait.runId, (hint) => void check(hint))
    reading = true
    firstPage().then(
      (page) => {
        reading = false
        if (page.messages.length > 0 || isFinished(page.status)) return finish(page)
        state = stateOf(page)
        try {
          if (wait.hold) release = wait.hold(wait.waitMs)
        } catch (error) {
          return fail(error)
        }
        holding = true
        if (wait.gauge) wait.gauge.held++
        timer = setTimeout(async () => {
          if (settled) return
          try {
            const latest = await store.getRun(wait.runId)
            finish({ messages: [], ...(latest ? stateOf(latest) : (state ?? page)) })
          } catch (error) {
            fail(error)
          }
        }, wait.waitMs)
        forgetClient = wait.clientGone?.(onAbort) ?? forgetClient
        if (settled) return
        // Answered with the state in hand, never a reset connection: the client polls again from the same cursor.
        forgetStop = wait.stopping?.onStop(onAbort) ?? forgetStop
        forgetWake = wait.wakeOn?.(onAbort) ?? forgetWake
        if (wokenWhileReading) void check()
      },
      (error: unknown) => fail(error),
    )
  })
}
