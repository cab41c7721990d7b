import type pg from 'pg'
import type { LiveTextEvent } from '../live-text.ts'
import { LiveText } from '../live-text.ts'
import type { RunHint } from '../run-events.ts'
import { RunEvents, StoreSignals } from '../run-events.ts'

/** The NOTIFY channels of one store (named after its schema, so that stores sharing a database stay apart). */
export interface Channels {
  run: string
  runnable: string
  finished: string
  /** Token streaming's deltas (`origin|` and a JSON array of LiveTextEvents), sent by live-text-publisher.ts. */
  text: string
  /** A question was asked: `origin|` and a JSON array of the users it is for (its run's owner and assignees). */
  question: string
  /** Webhook deliveries were queued (sent by the outbox triggers, migrations.ts; no payload). */
  webhook: string
}

export function channelsOf(schema: string): Channels {
  return {
    run: `${schema}_run`,
    runnable: `${schema}_runnable`,
    finished: `${schema}_finished`,
    text: `${schema}_text`,
    question: `${schema}_question`,
    webhook: `${schema}_webhook`,
  }
}

export interface NotificationsOptions {
  /** A new client for the listening connection (not from the pool: it is held for good). */
  client: () => pg.Client
  channels: Channels
  /** Put before each payload this process sends, so that it skips its own (it woke its listeners already). */
  origin: string
  log: (line: string) => void
}

const BACKOFF_FIRST_MS = 100
const BACKOFF_MAX_MS = 5000

/**
 * The one listening connection of a process (LISTEN on the store's channels), fanned out in the
 * process: per-run wake-ups for long-polls and waiting questions, and the store-wide signals for
 * workers. It connects when first needed and, when the connection is lost, connects again with
 * backoff — then wakes every listener, because a notification sent meanwhile was missed: each
 * re-checks the store, so no message is missed because a notification was.
 */
export class Notifications {
  readonly events = new RunEvents()
  readonly signals = new StoreSignals()
  readonly liveText = new LiveText()
  readonly #options: NotificationsOptions
  #client: pg.Client | null = null
  #connecting: Promise<void> | null = null
  #closed = false
  #failures = 0
  #timer: NodeJS.Timeout | undefined

  constructor(options: NotificationsOptions) {
    this.#options = options
  }

  /** Whether the listening connection is up now. */
  get connected(): boolean {
    return this.#client !== null
  }

  /** Connects unless connected or connecting; resolves once listening (or after the first failed attempt). */
  ensure(): Promise<void> {
    if (this.#closed || this.#client) return Promise.resolve()
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null
    })
    return this.#connecting
  }

  /** This process's mark on what it sends: `origin|runId[|last_seq|status]` (the SQL that notifies builds the rest). */
  get origin(): string {
    return this.#options.origin
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    const client = this.#client
    this.#client = null
    await client?.end().catch(() => undefined)
  }

  async #connect(): Promise<void> {
    const client = this.#options.client()
    const lost = () => this.#lost(client)
    client.on('error', lost)
    client.on('end', lost)
    client.on('notification', (message) => this.#dispatch(message.channel, message.payload ?? ''))
    try {
      await client.connect()
      const { run, runnable, finished, text, question, webhook } = this.#options.channels
      await client.query(
        [run, runnable, finished, text, question, webhook].map((channel) => `LISTEN ${client.escapeIdentifier(channel)}`).join('; '),
      )
    } catch (error) {
      client.removeAllListeners()
      await client.end().catch(() => undefined)
      this.#retry(error)
      return
    }
    if (this.#closed) {
      await client.end().catch(() => undefined)
      return
    }
    const reconnected = this.#failures > 0
    this.#failures = 0
    this.#client = client
    if (reconnected) {
      this.#options.log('listening again; every held poll, inbox and waiting run checks the store')
      this.events.emitAll()
      this.signals.runnable()
      this.signals.webhooksQueued()
      // Questions asked while this process was not listening: every held inbox reads again.
      this.signals.questionAsked(null)
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return
    this.#client = null
    client.removeAllListeners()
    client.on('error', () => undefined)
    void client.end().catch(() => undefined)
    if (!this.#closed) this.#retry(new Error('the listening connection was lost'))
  }

  #retry(error: unknown): void {
    if (this.#closed) return
    this.#failures++
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.#failures - 1))
    if (this.#failures === 1 || this.#failures % 10 === 0) {
      this.#options.log(`cannot listen for notifications (${error instanceof Error ? error.message : String(error)}); retrying`)
    }
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.ensure(), delay)
    this.#timer.unref()
  }

  #dispatch(channel: string, payload: string): void {
    if (channel === this.#options.channels.text) {
      this.#dispatchText(payload)
      return
    }
    if (channel === this.#options.channels.question) {
      this.#dispatchQuestion(payload)
      return
    }
    if (channel === this.#options.channels.webhook) {
      this.signals.webhooksQueued()
      return
    }
    const [origin, runId = '', seq, status] = payload.split('|')
    if (origin === this.#options.origin) return
    const { run, runnable, finished } = this.#options.channels
    if (channel === run) this.events.emit(runId, seq && status ? { last_seq: Number(seq), status: status as RunHint['status'] } : undefined)
    else if (channel === runnable) this.signals.runnable()
    else if (channel === finished) this.signals.finished(runId)
  }

  #dispatchQuestion(payload: string): void {
    const bar = payload.indexOf('|')
    if (payload.slice(0, bar) === this.#options.origin) return
    try {
      const audience: unknown = JSON.parse(payload.slice(bar + 1))
      if (Array.isArray(audience)) this.signals.questionAsked(audience.filter((user) => typeof user === 'string'))
    } catch {
      // not ours
    }
  }

  #dispatchText(payload: string): void {
    const bar = payload.indexOf('|')
    if (payload.slice(0, bar) === this.#options.origin) return
    let events: LiveTextEvent[]
    try {
      events = JSON.parse(payload.slice(bar + 1)) as LiveTextEvent[]
    } catch {
      return // not ours: live text is best effort, the log is what counts
    }
    for (const event of events) this.liveText.receive(event)
  }
}
