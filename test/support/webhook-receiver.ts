import { once } from 'node:events'
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { waitFor } from './wait-for.ts'

/** One request a receiver got: its headers, its raw body, the event in it and what the receiver answered. */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders
  body: string
  // biome-ignore lint/suspicious/noExplicitAny: the tests check the event against the contract, then read fields of it
  event: any
  /** The status answered, or 'held' for a request never answered. */
  answered: number | 'held'
}

/** How the receiver answers a request: a status, or 'hold' (never answered: the sender times out or dies). */
export type Answering = (event: { id: string; type: string }, attempt: number) => number | 'hold'

/**
 * A webhook receiver on loopback, as a user would run one: it records every request in arrival
 * order and answers as the test says (200 by default); `attempt` counts the requests for one event id.
 */
export interface WebhookReceiver {
  readonly url: string
  readonly requests: ReceivedRequest[]
  answer(how: Answering): void
  /** The events answered 2xx, once each (a repeat of an accepted event id is left out), in order. */
  // biome-ignore lint/suspicious/noExplicitAny: as ReceivedRequest.event
  accepted(): any[]
  /** Resolves once `accepted()` holds `count` events. */
  waitForAccepted(count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startWebhookReceiver(path = '/hooks/parley'): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = []
  const held: ServerResponse[] = []
  let answering: Answering = () => 200
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let event: { id: string; type: string }
      try {
        event = JSON.parse(body)
      } catch {
        event = { id: '', type: '(not JSON)' }
      }
      const attempt = requests.filter((request) => request.event.id === event.id).length + 1
      const decision = answering(event, attempt)
      requests.push({ headers: req.headers, body, event, answered: decision === 'hold' ? 'held' : decision })
      if (decision === 'hold') held.push(res)
      else res.writeHead(decision, { 'content-type': 'text/plain' }).end(decision < 300 ? 'ok' : 'not now')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const accepted = () => {
    const seen = new Set<string>()
    const events = []
    for (const request of requests) {
      if (request.answered === 'held' || request.answered >= 300 || seen.has(request.event.id)) continue
      seen.add(request.event.id)
      events.push(request.event)
    }
    return events
  }
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    answer(how) {
      answering = how
    },
    accepted,
    async waitForAccepted(count, timeoutMs = 20_000) {
      await waitFor(() => accepted().length >= count, `${count} webhook events accepted`, {
        timeoutMs,
        detail: () => requests.map((request) => [request.event.type, request.answered]),
      })
    },
    async close() {
      for (const res of held) res.destroy()
      server.closeAllConnections()
      server.close()
    },
  }
}
