import type pg from 'pg'
import type { LiveTextEvent } from '../live-text.ts'

/** NOTIFY payloads must stay under 8000 bytes; this leaves room for the origin and the channel's overhead. */
const MAX_PAYLOAD_BYTES = 7000

/**
 * Sends live text to the other processes, in order: one NOTIFY at a time (two in flight on two
 * pooled connections could commit, and so arrive, the other way round), each carrying every
 * event queued meanwhile, as many as fit (a model writes tokens faster than one statement each
 * would be worth). Best effort: a failed NOTIFY loses deltas, never a stored message.
 */
export function createLiveTextPublisher(options: { pool: pg.Pool; channel: string; origin: string }): (event: LiveTextEvent) => void {
  let queue: string[] = []
  let sending = false
  const send = async () => {
    sending = true
    while (queue.length > 0) {
      const events = queue
      queue = []
      for (const payload of payloads(events, options.origin)) {
        await options.pool.query('SELECT pg_notify($1, $2)', [options.channel, payload]).catch(() => undefined)
      }
    }
    sending = false
  }
  return (event) => {
    queue.push(JSON.stringify(event))
    if (!sending) {
      sending = true
      setImmediate(() => void send())
    }
  }
}

/** `origin|[event,…]` strings, each under MAX_PAYLOAD_BYTES; an event too large for one alone is dropped. */
function payloads(events: string[], origin: string): string[] {
  const out: string[] = []
  let batch: string[] = []
  let bytes = 0
  const close = () => {
    if (batch.length > 0) out.push(`${origin}|[${batch.join(',')}]`)
    batch = []
    bytes = origin.length + 3
  }
  close()
  for (const event of events) {
    const size = Buffer.byteLength(event) + 1
    if (bytes + size > MAX_PAYLOAD_BYTES) close()
    if (bytes + size > MAX_PAYLOAD_BYTES) continue
    batch.push(event)
    bytes += size
  }
  close()
  return out
}
