import type { Server } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { ParleyApp } from './http/app.ts'
import { answerClientError, requestErrorResponse } from './http/transport-errors.ts'

export interface ServeOptions {
  port?: number
  hostname?: string
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8008` */
  readonly url: string
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
  const server = createServer({ requireHostHeader: false }, getRequestListener(app.fetch, { errorHandler: requestErrorResponse }))
  server.on('clientError', answerClientError)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 8008, hostname, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  let closing: Promise<void> | undefined
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
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
