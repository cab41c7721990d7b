import { RetryLaterError } from './errors.ts'

/** Retry-After of a refusal when every held place is an event stream (which has no end of its own). */
const OPEN_ENDED_RETRY_SECONDS = 30

/**
 * How many long-polls (and event streams: `GET /v1/runs/{run_id}/events`) each user holds waiting in this process, capped: a client that opens
 * thousands of waiting polls would hold as many sockets, timers and listeners. A poll answered
 * at once (there were messages, or the run had finished) is never held, so never counted. With
 * several processes (PostgreSQL), each applies the cap to the polls it holds.
 */
export class HeldPolls {
  /** Per user, the moment each held poll ends at the latest (its `wait`), to tell a refused one when to retry. */
  readonly #byUser = new Map<string, Set<{ endsAt: number }>>()

  /** `maxPerUser` 0 turns the cap off. */
  constructor(readonly maxPerUser: number) {}

  /**
   * Holds one more poll of `userId` until `waitMs` from now (`Infinity`: an event stream, held until its client leaves); returns the function that lets it go.
   * Past the cap it throws `too_many_held_polls`, with `Retry-After` at the end of the user's
   * soonest-ending held poll (a retry then finds room).
   */
  hold(userId: string, waitMs: number): () => void {
    if (this.maxPerUser <= 0) return () => undefined
    const now = Date.now()
    let held = this.#byUser.get(userId)
    if (held && held.size >= this.maxPerUser) {
      let soonest = Number.POSITIVE_INFINITY
      for (const entry of held) soonest = Math.min(soonest, entry.endsAt)
      // Only open-ended streams held: none ends on its own, so no moment is better than another.
      const retryAfter = Number.isFinite(soonest) ? Math.max(1, Math.ceil((soonest - now) / 1000)) : OPEN_ENDED_RETRY_SECONDS
      throw new RetryLaterError(
        'too_many_held_polls',
        `At most ${this.maxPerUser} long-polls and event streams of yours may wait at once; let one end (or poll without \`wait\`) before opening another`,
        retryAfter,
      )
    }
    if (!held) {
      held = new Set()
      this.#byUser.set(userId, held)
    }
    const entry = { endsAt: now + waitMs }
    held.add(entry)
    const set = held
    return () => {
      set.delete(entry)
      if (set.size === 0 && this.#byUser.get(userId) === set) this.#byUser.delete(userId)
    }
  }
}
