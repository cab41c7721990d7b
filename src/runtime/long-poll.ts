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
  return new Promise((resolve, reject) => new HeldWait(store, wait, resolve, reject).begin(firstPage))
}

const nothing = (): void => undefined

/**
 * One waiting poll's state, as one object: a server may hold thousands of these for minutes, so
 * it keeps two functions of its own (the store's listener and `end`) rather than a closure per
 * handler, and its timer calls a shared function with it as the argument.
 */
class HeldWait {
  #settled = false
  #holding = false
  #reading = true
  #wokenWhileReading = false
  /** The run's state as last known; undefined until the first page is in. */
  #state: RunState | undefined
  #timer: NodeJS.Timeout | undefined
  #unsubscribe: () => void
  #release: () => void = nothing
  #forgetClient: () => void = nothing
  #forgetStop: () => void = nothing
  #forgetWake: () => void = nothing

  constructor(
    readonly store: Store,
    readonly wait: MessageWait,
    readonly resolve: (page: MessagePageData) => void,
    readonly reject: (error: Error) => void,
  ) {
    // Listening before the first read: a message appended while it runs still wakes the wait.
    this.#unsubscribe = store.subscribe(wait.runId, (hint) => void this.#check(hint))
  }

  /** The client left, the server is stopping, or live text came: answered with the state in hand. */
  readonly end = (): void => {
    if (this.#state) this.#finish({ messages: [], ...this.#state })
  }

  async begin(firstPage: () => Promise<MessagePageData>): Promise<void> {
    const { wait } = this
    let page: MessagePageData
    try {
      page = await firstPage()
    } catch (error) {
      return this.#fail(error)
    }
    this.#reading = false
    if (page.messages.length > 0 || isFinished(page.status)) return this.#finish(page)
    this.#state = stateOf(page)
    try {
      if (wait.hold) this.#release = wait.hold(wait.waitMs)
    } catch (error) {
      return this.#fail(error)
    }
    this.#holding = true
    if (wait.gauge) wait.gauge.held++
    this.#timer = setTimeout(expire, wait.waitMs, this)
    this.#forgetClient = wait.clientGone?.(this.end) ?? nothing
    if (this.#settled) return
    // Answered with the state in hand, never a reset connection: the client polls again from the same cursor.
    this.#forgetStop = wait.stopping?.onStop(this.end) ?? nothing
    this.#forgetWake = wait.wakeOn?.(this.end) ?? nothing
    if (this.#wokenWhileReading) void this.#check()
  }

  /** `waitMs` has passed with nothing new: an empty page, with the run's state as it is now. */
  async expire(): Promise<void> {
    if (this.#settled) return
    try {
      const latest = await this.store.getRun(this.wait.runId)
      const state = latest ? stateOf(latest) : this.#state
      if (state) this.#finish({ messages: [], ...state })
    } catch (error) {
      this.#fail(error)
    }
  }

  #ready(candidate: RunState): boolean {
    return candidate.last_seq > this.wait.after || isFinished(candidate.status)
  }

  #finish(outcome: MessagePageData | Error): void {
    if (this.#settled) return
    this.#settled = true
    if (this.#holding && this.wait.gauge) this.wait.gauge.held--
    this.#release()
    this.#unsubscribe()
    clearTimeout(this.#timer)
    this.#forgetClient()
    this.#forgetStop()
    this.#forgetWake()
    outcome instanceof Error ? this.reject(outcome) : this.resolve(outcome)
  }

  #fail(error: unknown): void {
    this.#finish(error instanceof Error ? error : new Error(String(error)))
  }

  // The state in hand is current unless a message is newer than it: every status change comes
  // with a message, so only then is the run read again.
  async #read(known: RunState): Promise<MessagePageData> {
    const { store, wait } = this
    const messages = await store.listMessages(wait.runId, wait.after, wait.limit, wait.maxBytes)
    const newest = messages.at(-1)?.seq ?? 0
    if (newest <= known.last_seq) return { messages, ...known }
    const latest = await store.getRun(wait.runId)
    return { messages, ...(latest ? stateOf(latest) : known) }
  }

  async #check(hint?: RunHint): Promise<void> {
    if (this.#settled) return
    if (hint) {
      // The wake-up says what changed: nothing for this cursor, or enough to read the page at once.
      if (!this.#ready(hint)) return
      if (!this.#state || hint.last_seq >= this.#state.last_seq) this.#state = hint
    }
    if (this.#reading || !this.#state) {
      this.#wokenWhileReading = true
      return
    }
    this.#reading = true
    try {
      let known = hint !== undefined
      do {
        this.#wokenWhileReading = false
        if (!known) {
          const latest = await this.store.getRun(this.wait.runId)
          if (latest) this.#state = stateOf(latest)
        }
        known = false
        if (this.#ready(this.#state)) return this.#finish(await this.#read(this.#state))
      } while (this.#wokenWhileReading && !this.#settled)
    } catch (error) {
      this.#fail(error)
    } finally {
      this.#reading = false
    }
  }
}

/** The timer's callback, shared by every wait (the wait is its argument): no closure per poll. */
function expire(wait: HeldWait): void {
  void wait.expire()
}
