import type { AddressInfo } from 'node:net'
import { serve as serveNode } from '@hono/node-server'
import type { ParleyApp } from './http/app.ts'

export interface ServeOptions {
  port?: number
  hostname?: string
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8008` */
  readonly url: string
  readonly port: number
  /** Stops accepting requests, ends held long-polls, stops runs and closes the store. */
  close(): Promise<void>
}

/**
 * Listens on HTTP. Runs a previous process left unfinished are settled first, so none stays
 * `running` forever. Port 0 picks a free port (tests).
 */
export async function serve(app: ParleyApp, options: ServeOptions = {}): Promise<RunningServer> {
  await app.runs.recoverInterruptedRuns()
  const hostname = options.hostname ?? '127.0.0.1'
  const server = await new Promise<ReturnType<typeof serveNode>>((resolve, reject) => {
    const started = serveNode({ fetch: app.fetch, port: options.port ?? 8008, hostname }, () => resolve(started))
    started.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      if ('closeAllConnections' in server) server.closeAllConnections()
      await app.close()
      await closed
    },
  }
}
