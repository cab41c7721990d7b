import type { ParleyApp } from '../../src/http/app.ts'
import type { StreamEvent } from './contract.ts'
import { checkEventStream, checkResponse, parseEventStream } from './contract.ts'

/** An event of the stream, or a comment line (a heartbeat). */
export type StreamItem = StreamEvent | { comment: string }

export interface OpenedStream {
  status: number
  headers: Headers
  /** The problem, when the server refused the stream (checked against the contract). */
  // biome-ignore lint/suspicious/noExplicitAny: the contract checked the shape; tests read fields of it
  problem: any
  /** The next event or comment, each checked against the contract as it arrives; undefined when the stream has ended. */
  next(): Promise<StreamItem | undefined>
  /** The next `count` message events (comments skipped); fails if the stream ends first. */
  take(count: number): Promise<StreamEvent[]>
  /** Every event left until the stream ends (comments skipped). */
  rest(): Promise<StreamEvent[]>
  /** Goes away: the connection is closed from this end. */
  close(): void
}

export interface StreamOptions {
  after?: number
  heartbeat?: number
  lastEventId?: string
  /** Sent as `Authorization: Bearer`. */
  key?: string
}

/**
 * `GET /v1/runs/{run_id}/events` on an app in-process or a real server (`target` its base URL),
 * checked against the contract: the response's status and headers at once, each event as it is read.
 */
export async function openEvents(target: ParleyApp | string, runId: string, options: StreamOptions = {}): Promise<OpenedStream> {
  const query = new URLSearchParams()
  if (options.after !== undefined) query.set('after', String(options.after))
  if (options.heartbeat !== undefined) query.set('heartbeat', String(options.heartbeat))
  const headers = new Headers({ accept: 'text/event-stream' })
  if (options.lastEventId !== undefined) headers.set('last-event-id', options.lastEventId)
  if (options.key !== undefined) headers.set('authorization', `Bearer ${options.key}`)
  const client = new AbortController()
  const base = typeof target === 'string' ? target : 'http://parley.test'
  const request = new Request(new URL(`/v1/runs/${runId}/events?${query}`, base), { headers, signal: client.signal })
  const response = typeof target === 'string' ? await fetch(request) : await target.fetch(request)
  const problem = await checkResponse('GET', request.url, response)
  const where = `GET ${new URL(request.url).pathname}`
  const reader = response.status === 200 && response.body ? checkEventStream(where, response.body).getReader() : undefined
  const decoder = new TextDecoder()
  const queue: StreamItem[] = []
  let pending = ''
  let ended = reader === undefined

  const next = async (): Promise<StreamItem | undefined> => {
    while (queue.length === 0 && !ended) {
      const { done, value } = await (reader as ReadableStreamDefaultReader<Uint8Array>).read()
      if (done) {
        ended = true
        break
      }
      pending += decoder.decode(value, { stream: true })
      // Ids were checked in order by checkEventStream; here only the framing is needed.
      const { items, rest } = parseEventStream(where, pending)
      pending = rest
      queue.push(...items)
    }
    return queue.shift()
  }
  const isEvent = (item: StreamItem): item is StreamEvent => 'id' in item
  return {
    status: response.status,
    headers: response.headers,
    problem,
    next,
    async take(count) {
      const events: StreamEvent[] = []
      while (events.length < count) {
        const item = await next()
        if (item === undefined) throw new Error(`the stream ended after ${events.length} of ${count} events`)
        if (isEvent(item)) events.push(item)
      }
      return events
    },
    async rest() {
      const events: StreamEvent[] = []
      for (let item = await next(); item !== undefined; item = await next()) if (isEvent(item)) events.push(item)
      return events
    },
    close() {
      client.abort()
      reader?.cancel().catch(() => undefined)
    },
  }
}
