import type { Server } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { ParleyApp } from './http/app.ts'
import { answerClientError, requestErrorResponse } from './http/transport-errors.ts'

export interface ServeOptions {
  port?: number
  hostname?: string
  /** How long a client has to send a request's headers (default 10 s; PARLEY_HEADERS_TIMEOUT_MS). 408 after. */
  headersTimeoutMs?: number
  /**
   * How long a client has to send a whole request, body included (default 60 s;
   * PARLEY_REQUEST_TIMEOUT_MS). Only the receiving: a long-poll held after its request arrived is not cut.
   */
  requestTimeoutMs?: number
}

export interface RunningServer {
  /** Where this machine reaches the server, e.g. `http://127.0.0.1:8008` (loopback when it listens on every interface). */
  readonly url: string
  /** The address it listens on, as bound: `http://0.0.0.0:8008` when every interface. */
  readonly listeningOn: string
  readonly port: number
  /** What the worker's first look found: runs left unfinished, resumed, or failed (workflow gone or `resume: false`). */
  readonly interrupted: { resumed: number; failed: number }
  /**
   * Stops gracefully: no new connections, held long-polls answered at once with what they have,
   * running workflows parked (they resume on the next start), responses in flight finished,
   * then the store closed.
   */
  close(): Promise<void>
}

/** How long responses in flight get to finish when the server stops, before their connections are cut. */
const DRAIN_MS = 3000
/** Node's own are 60 s for headers and 300 s for a request: long enough for a slow client to hold thousands of sockets. */
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000

/**
 * Listens on HTTP. This process's worker starts first: the runs a previous process left
 * unfinished are resumed (replaying their journals), so a restart costs a run nothing. Port 0
 * picks a free port (tests).
 */
export async function serve(app: ParleyApp, options: ServeOptions = {}): Promise<RunningServer> {
  const interrupted = await app.runs.startWorker()
  const hostname = options.hostname ?? '127.0.0.1'
  // Node would answer a Host-less HTTP/1.1 request itself, with an empty 400; left to the adapter,
  // it fails to make a URL of it and `requestErrorResponse` answers with a problem.
  const server = createServer(
    { requireHostHeader: false, ...receiveTimeouts(options) },
    getRequestListener(app.fetch, { errorHandler: requestErrorResponse }),
  )
  server.on('clientError', answerClientError)
  // RFC 9110 §10.1.1: a server MAY ignore an expectation it does not know. Node would answer any
  // Expect but 100-continue with a bare 417 (no body, not a problem): serve the request instead.
  server.on('checkExpectation', (request, response) => server.emit('request', request, response))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 8008, hostname, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  // Every interface includes loopback: the URL to use from here (an open server answers loopback names).
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host
  let closing: Promise<void> | undefined
  return {
    url: `http://${local}:${port}`,
    listeningOn: `http://${host}:${port}`,
    port,
    interrupted,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        const parked = app.runs.stop()
        await drain(server, closed)
        await parked
        await app.close()
      })()
      return closing
    },
  }
}

/**
 * Deadlines for receiving a request (a slowloris client trickling its headers or body is answered
 * 408 and closed: src/http/transport-errors.ts). Node checks them every `connectionsCheckingInterval`
 * (30 s by its default, which would let a 10 s deadline run to 40): a quarter of the shorter one
 * here, at most 1 s. Node refuses a header deadline past the request's; it is capped at it.
 */
function receiveTimeouts(options: ServeOptions) {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  const headers = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS
  const headersTimeout = requestTimeout > 0 ? Math.min(headers, requestTimeout) : headers
  const shortest = Math.min(...[headersTimeout, requestTimeout].filter((ms) => ms > 0), 4000)
  return { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(25, Math.floor(shortest / 4)) }
}

/**
 * Lets the responses in flight finish (held long-polls answer at once when the runs stop), closing
 * each keep-alive connection as it falls idle; whatever is still open after DRAIN_MS is cut.
 */
async function drain(server: Server, closed: Promise<void>): Promise<void> {
  const deadline = Date.now() + DRAIN_MS
  let done = false
  void closed.then(() => {
    done = true
  })
  while (!done && Date.now() < deadline) {
    server.closeIdleConnections()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  if (!done) server.closeAllConnections()
  await closed
}
