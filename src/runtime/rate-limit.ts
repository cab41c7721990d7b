/**
 * A token bucket per user, in this process's memory: each user may do `perMinute` things in a
 * burst, and one more every `60 / perMinute` seconds after that. With several processes
 * (PostgreSQL behind a load balancer), each process applies it to the requests it answers.
 */
export class RateLimit {
  readonly #perMinute: number
  readonly #msPerToken: number
  /** Tokens each user has left as of `at`; a bucket that has refilled is dropped (it is the default). */
  readonly #buckets = new Map<string, { tokens: number; at: number }>()

  /** `perMinute` 0 turns the limit off. */
  constructor(perMinute: number) {
    this.#perMinute = perMinute
    this.#msPerToken = perMinute > 0 ? 60_000 / perMinute : 0
  }

  /**
   * Takes a token of `userId`'s: null when there was one, else the seconds until the next one
   * (what `Retry-After` says).
   */
  take(userId: string, now = Date.now()): number | null {
    if (this.#perMinute <= 0) return null
    const tokens = this.#tokensAt(userId, now)
    // Rounded to the ms first: float dust (10000.000001 ms) must not add a second.
    if (tokens < 1) return Math.max(1, Math.ceil(Math.round((1 - tokens) * this.#msPerToken) / 1000))
    this.#buckets.set(userId, { tokens: tokens - 1, at: now })
    if (this.#buckets.size > 10_000) this.#forgetFull(now)
    return null
  }

  /** Gives back a token taken for something that did not happen after all (a refused or replayed create). */
  refund(userId: string, now = Date.now()): void {
    if (this.#perMinute <= 0) return
    const tokens = Math.min(this.#perMinute, this.#tokensAt(userId, now) + 1)
    if (tokens >= this.#perMinute) this.#buckets.delete(userId)
    else this.#buckets.set(userId, { tokens, at: now })
  }

  #tokensAt(userId: string, now: number): number {
    const bucket = this.#buckets.get(userId)
    if (!bucket) return this.#perMinute
    return Math.min(this.#perMinute, bucket.tokens + (now - bucket.at) / this.#msPerToken)
  }

  /** Drops the buckets that have refilled, so the map holds only users active in the last minute. */
  #forgetFull(now: number): void {
    for (const userId of this.#buckets.keys()) if (this.#tokensAt(userId, now) >= this.#perMinute) this.#buckets.delete(userId)
  }
}
