import type { TextDelta } from '../schemas/messages.ts'
import { isFinished } from '../schemas/runs.ts'
import type { LiveDelta, LiveText } from '../store/live-text.ts'
import type { Store } from '../store/store.ts'
import type { MessagePageData } from './long-poll.ts'
import { goneOnAbort, waitForMessages } from './long-poll.ts'
import type { Stopping } from './stopping.ts'

/** What a stream of a run's log follows: where it starts, how often it says it is alive, and when its client has gone. */
export interface MessageStreamOptions {
  after: number
  /** How long the stream waits for news before it yields an empty page (a heartbeat). */
  heartbeatMs: number
  /** The client's connection: aborted when it goes away, which ends the stream at once. */
  signal?: AbortSignal | undefined
}

export interface FollowLog {
  store: Store
  runId: string
  after: number
  heartbeatMs: number
  limit: number
  maxBytes: number
  signal?: AbortSignal | undefined
  stopping: Stopping
  /**
   * Reads the first page (checking the run is the caller's) and takes the stream's place among
   * the caller's held polls, or throws (404, 429); returns the page and the function giving the place back.
   */
  open: () => Promise<{ first: MessagePageData; release: () => void }>
  /** Reads the page after a cursor (the run's owner checked again: a run deleted meanwhile ends the stream with its 404). */
  readPage: (after: number) => Promise<MessagePageData>
}

/**
 * The log of a run as a stream of pages, for `GET /v1/runs/{run_id}/events`: the long-poll
 * (`waitForMessages`) in a loop that follows its own cursor. The first `next()` opens it (`open`):
 * a refusal is thrown there, before anything is streamed, and it yields the first page even when
 * empty. Each later page has the messages after the previous one; an empty one means `heartbeatMs`
 * passed with nothing new (the caller sends a heartbeat). It ends after the finished run's last message, when the client goes away (`signal`)
 * or when the server stops; its listener, timer and held place are gone whichever way it ends,
 * including a consumer that stops iterating once it has begun (`return()` runs the `finally`).
 */
export async function* followLog(follow: FollowLog): AsyncGenerator<MessagePageData, void, undefined> {
  const { first, release } = await follow.open()
  const signal = follow.signal
  try {
    let after = follow.after
    let page = first
    for (;;) {
      if (page.messages.length > 0 || !(follow.signal?.aborted || follow.stopping.stopped)) yield page
      after = page.messages.at(-1)?.seq ?? after
      if (isFinished(page.status) && after >= page.last_seq) return
      if (follow.signal?.aborted || follow.stopping.stopped) return
      const from = after
      page = await waitForMessages(
        follow.store,
        {
          runId: follow.runId,
          after: from,
          limit: follow.limit,
          maxBytes: follow.maxBytes,
          waitMs: follow.heartbeatMs,
          clientGone: signal && goneOnAbort(signal),
          stopping: follow.stopping,
        },
        () => follow.readPage(from),
      )
    }
  } finally {
    release()
  }
}

/** Deltas waiting for their message: past this many, the oldest go (a follower that far behind reads the stored log anyway). */
const MAX_HELD_DELTAS = 10_000

/**
 * Live text for one event stream: each delta of the run's replies, sent only once the stream has
 * sent the message it follows (`afterSeq`), so a client never sees text before what came before
 * it. `start` subscribes and sends the deltas so far (a late follower sees a reply's beginning);
 * `sent(seq)` says the stream has sent the messages through `seq`; `stop` lets go of the listener.
 */
export class DeltaRelay {
  readonly #live: LiveText
  readonly #runId: string
  readonly #send: (deltas: TextDelta[]) => void
  #held: LiveDelta[] = []
  #sentSeq = 0
  #stop: (() => void) | null = null

  constructor(live: LiveText, runId: string, send: (deltas: TextDelta[]) => void) {
    this.#live = live
    this.#runId = runId
    this.#send = send
  }

  /** Starts relaying, the messages through `sentSeq` already sent. */
  start(sentSeq: number): void {
    if (this.#stop) return
    this.#sentSeq = sentSeq
    // Subscribed and read in the same turn: no delta falls between the two, none comes twice.
    this.#stop = this.#live.subscribe(this.#runId, (live) => this.#offer([live]))
    this.#offer(this.#live.pending(this.#runId))
  }

  sent(seq: number): void {
    if (seq <= this.#sentSeq) return
    this.#sentSeq = seq
    this.#release()
  }

  stop(): void {
    this.#stop?.()
    this.#stop = null
    this.#held = []
  }

  #offer(lives: LiveDelta[]): void {
    this.#held.push(...lives)
    if (this.#held.length > MAX_HELD_DELTAS) this.#held.splice(0, this.#held.length - MAX_HELD_DELTAS)
    this.#release()
  }

  /** Sends the held deltas whose message has been sent, in the order they came (a run's deltas come in seq order). */
  #release(): void {
    let count = 0
    while (count < this.#held.length && (this.#held[count]?.afterSeq ?? Number.POSITIVE_INFINITY) <= this.#sentSeq) count++
    if (count === 0) return
    this.#send(this.#held.splice(0, count).map((live) => live.delta))
  }
}
