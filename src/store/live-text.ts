import type { TextDelta } from '../schemas/messages.ts'

/**
 * Token streaming's live side: the text of agent replies while their model writes them. It is
 * never stored — the complete `text_message` is — so it travels beside the log: the worker
 * generating a reply publishes each delta through its store, which hands it to this process's
 * followers and, for a store shared by several processes, to theirs (PostgreSQL: NOTIFY).
 */

/** A delta as it travels: the run it belongs to and the seq of the run's newest message when it was written. */
export interface LiveDelta {
  runId: string
  /** The message it comes after: a follower sends it only once it has sent that message. */
  afterSeq: number
  delta: TextDelta
}

/** What a worker publishes: a delta, or the end of a reply's generation (it is stored now, or was abandoned). */
export type LiveTextEvent = ({ kind: 'delta' } & LiveDelta) | { kind: 'end'; runId: string; messageRef: string }

export type LiveDeltaListener = (delta: LiveDelta) => void

/** Deltas of one reply are kept while it is generated, up to this many (a follower arriving late gets them all). */
const MAX_KEPT_DELTAS = 20_000
/** A reply whose generation went quiet this long is dropped (its worker died without saying it ended). */
const STALE_AFTER_MS = 5 * 60_000
/** How often every run's replies are checked for staleness (a run nobody reads again is checked too). */
const SWEEP_EVERY_MS = 60_000

interface Reply {
  deltas: LiveDelta[]
  touchedAt: number
}

/**
 * This process's view of the replies being generated: their deltas so far, per run, and who is
 * following which run. A process keeps the replies of every run it hears of, until each ends.
 */
export class LiveText {
  readonly #replies = new Map<string, Map<string, Reply>>()
  readonly #listeners = new Map<string, Set<LiveDeltaListener>>()
  #sweptAt = Date.now()

  /** Applies an event published here or by another process. */
  receive(event: LiveTextEvent): void {
    if (event.kind === 'end') {
      this.#drop(event.runId, event.messageRef)
      return
    }
    const { runId, delta } = event
    let replies = this.#replies.get(runId)
    if (!replies) {
      replies = new Map()
      this.#replies.set(runId, replies)
    }
    const now = Date.now()
    let reply = replies.get(delta.message_ref)
    // Index 0 again: the generation started over (the endpoint's stream was cut and it is retried).
    if (!reply || delta.index === 0) {
      reply = { deltas: [], touchedAt: now }
      replies.set(delta.message_ref, reply)
    }
    if (reply.deltas.length < MAX_KEPT_DELTAS) reply.deltas.push(event)
    reply.touchedAt = now
    this.#sweep(replies, now)
    if (now - this.#sweptAt > SWEEP_EVERY_MS) this.#sweepAll(now)
    const listeners = this.#listeners.get(runId)
    if (listeners) for (const listener of [...listeners]) listener(event)
  }

  /** Every delta so far of the run's replies being generated, reply by reply, each in order. */
  pending(runId: string): LiveDelta[] {
    const replies = this.#replies.get(runId)
    if (!replies) return []
    this.#sweep(replies, Date.now())
    return [...replies.values()].flatMap((reply) => reply.deltas)
  }

  /** Calls `listener` with each new delta of the run, until the returned function is called. */
  subscribe(runId: string, listener: LiveDeltaListener): () => void {
    let listeners = this.#listeners.get(runId)
    if (!listeners) {
      listeners = new Set()
      this.#listeners.set(runId, listeners)
    }
    listeners.add(listener)
    return () => {
      const current = this.#listeners.get(runId)
      if (!current) return
      current.delete(listener)
      if (current.size === 0) this.#listeners.delete(runId)
    }
  }

  /** Listeners held across all runs, and replies kept (tests check that none leak). */
  get size(): { listeners: number; replies: number } {
    let listeners = 0
    for (const set of this.#listeners.values()) listeners += set.size
    let replies = 0
    for (const map of this.#replies.values()) replies += map.size
    return { listeners, replies }
  }

  #drop(runId: string, messageRef: string): void {
    const replies = this.#replies.get(runId)
    if (!replies) return
    replies.delete(messageRef)
    if (replies.size === 0) this.#replies.delete(runId)
  }

  #sweep(replies: Map<string, Reply>, now: number): void {
    for (const [ref, reply] of replies) if (now - reply.touchedAt > STALE_AFTER_MS) replies.delete(ref)
  }

  #sweepAll(now: number): void {
    this.#sweptAt = now
    for (const [runId, replies] of this.#replies) {
      this.#sweep(replies, now)
      if (replies.size === 0) this.#replies.delete(runId)
    }
  }
}
