import type { DeliveryAttempt } from '../../schemas/webhooks.ts'
import type { DeliveryJob, DeliveryNext, WebhookStore } from '../../store/store.ts'
import { definedOnly } from '../defined-only.ts'
import { sendWebhook } from './send.ts'

export interface WebhookDeliveryOptions {
  /** Deliver to loopback and private addresses too (`PARLEY_WEBHOOK_ALLOW_PRIVATE=1`). Default false. */
  allowPrivate?: boolean
  /** Attempts per delivery before it is marked failed (`PARLEY_WEBHOOK_MAX_ATTEMPTS`). Default 10. */
  maxAttempts?: number
  /** The wait before the first retry; each next one waits 4× longer, up to 6 hours (`PARLEY_WEBHOOK_RETRY_MS`). Default 5 s. */
  retryBaseMs?: number
  /** How long one attempt may take, connection to response (`PARLEY_WEBHOOK_TIMEOUT_MS`). Default 10 s. */
  timeoutMs?: number
  /** How often to look for due deliveries besides being told (retries come due, other processes' events). Default 1 s. */
  pollMs?: number
  /** Deliveries in flight at once from this process. Default 16. */
  concurrency?: number
}

export const DEFAULT_WEBHOOK_DELIVERY = {
  allowPrivate: false,
  maxAttempts: 10,
  retryBaseMs: 5000,
  timeoutMs: 10_000,
  pollMs: 1000,
  concurrency: 16,
} satisfies Required<WebhookDeliveryOptions>

const MAX_RETRY_DELAY_MS = 6 * 60 * 60 * 1000
/** A claim outlives its attempt by this much, so it never lapses while the attempt can still succeed. */
const CLAIM_MARGIN_MS = 5000

/**
 * The wait after `failures` failed attempts: `baseMs`, then 4× longer each time (5 s, 20 s, 80 s,
 * 5 min, 21 min, 85 min, 5.7 h, then 6 h), give or take 20% so that receivers coming back are
 * not hit by every retry at once.
 */
export function retryDelayMs(failures: number, baseMs: number, random = Math.random()): number {
  const delay = Math.min(MAX_RETRY_DELAY_MS, baseMs * 4 ** Math.max(0, failures - 1))
  return Math.round(delay * (0.8 + 0.4 * random))
}

/** What follows an attempt: delivered on a 2xx; else a retry, or failed once the attempts are used up. */
export function nextAfter(job: DeliveryJob, attempt: DeliveryAttempt, options: Required<WebhookDeliveryOptions>): DeliveryNext {
  if (attempt.error === null) return { status: 'delivered' }
  const failures = job.attempts.length + 1
  if (failures >= options.maxAttempts) return { status: 'failed' }
  return { status: 'pending', at: Date.now() + retryDelayMs(failures, options.retryBaseMs) }
}

/**
 * Sends the store's webhook deliveries from this process: it claims due ones (the store hands each
 * to one dispatcher at a time, in order per run and webhook), sends them signed, and records each
 * attempt. Woken when deliveries are queued or one settles, and every `pollMs` for retries.
 */
export class WebhookDispatcher {
  readonly #store: WebhookStore
  readonly #id: string
  readonly #options: Required<WebhookDeliveryOptions>
  readonly #log: (line: string) => void
  readonly #inFlight = new Set<Promise<void>>()
  readonly #abort = new AbortController()
  #wake: () => void = () => undefined
  #woken = false
  #stopped = false
  #loop: Promise<void> | null = null
  #unsubscribe: (() => void) | null = null
  #failing = false

  constructor(store: WebhookStore, id: string, options: WebhookDeliveryOptions = {}, log = (line: string) => console.error(line)) {
    this.#store = store
    this.#id = id
    this.#options = { ...DEFAULT_WEBHOOK_DELIVERY, ...definedOnly(options) }
    this.#log = log
  }

  start(): void {
    if (this.#loop || this.#stopped) return
    this.#unsubscribe = this.#store.onQueued(() => this.#nudge())
    this.#loop = this.#run()
  }

  /** Stops claiming; waits up to `graceMs` for the attempts in flight, then abandons them (their claims lapse and they are sent again). */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#unsubscribe?.()
    this.#nudge()
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))
    await Promise.race([Promise.allSettled([...this.#inFlight]), grace])
    clearTimeout(timer)
    this.#abort.abort()
    await this.#loop
  }

  #nudge(): void {
    this.#woken = true
    this.#wake()
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false
      const free = this.#options.concurrency - this.#inFlight.size
      const claimed = free > 0 ? await this.#claim(free) : 0
      if (this.#stopped) break
      if (free > 0 && claimed === free) continue
      if (!this.#woken) await this.#sleep(this.#options.pollMs)
    }
  }

  async #claim(limit: number): Promise<number> {
    let jobs: DeliveryJob[]
    try {
      jobs = await this.#store.claim(this.#id, { limit, leaseMs: this.#options.timeoutMs + CLAIM_MARGIN_MS })
      if (this.#failing) this.#log('parley: webhooks: the store answers again; delivering')
      this.#failing = false
    } catch (error) {
      if (!this.#failing) this.#log(`parley: webhooks: cannot claim deliveries (${(error as Error).message}); retrying`)
      this.#failing = true
      return 0
    }
    for (const job of jobs) {
      const delivery: Promise<void> = this.#deliver(job).finally(() => {
        this.#inFlight.delete(delivery)
        this.#nudge()
      })
      this.#inFlight.add(delivery)
    }
    return jobs.length
  }

  async #deliver(job: DeliveryJob): Promise<void> {
    const attempt = await sendWebhook(job, this.#options, this.#abort.signal)
    // Stopping mid-attempt: not recorded, so it is sent again (at least once) when its claim lapses.
    if (this.#abort.signal.aborted) return
    const next = nextAfter(job, attempt, this.#options)
    try {
      await this.#store.settle(job, attempt, next)
      // A retry due before the next look is looked for when it is due.
      if (next.status === 'pending' && next.at - Date.now() < this.#options.pollMs) {
        setTimeout(() => this.#nudge(), Math.max(0, next.at - Date.now())).unref()
      }
    } catch (error) {
      // Unrecorded, it is sent again when the claim lapses: at least once, never lost.
      this.#log(`parley: webhooks: cannot record delivery ${job.id} (${(error as Error).message}); it will be sent again`)
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      timer.unref()
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#wake = done
    })
  }
}
