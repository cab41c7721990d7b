import { EventEmitter, once } from 'node:events'
import type { ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * The outside world of a workflow under test: an HTTP server on loopback that counts each effect
 * (`GET /effect?name=…&run=…` answers `{ count }`, the times that run did it so far: two runs of
 * one conversation read alike) and, when told to, holds an effect's request
 * open — the test kills the server process while the effect is in flight.
 */
export interface Witness {
  readonly url: string
  /** How many times the effect `name` reached the witness, all runs together. */
  count(name: string): number
  /** The next requests for `name` are held open (never answered) until `release(name)`. */
  hold(name: string): void
  release(name: string): void
  /** Resolves once `name` has reached the witness `count` times. */
  waitFor(name: string, count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startWitness(): Promise<Witness> {
  const counts = new Map<string, number>()
  const perRun = new Map<string, number>()
  const held = new Set<string>()
  const waiting = new Map<string, { res: ServerResponse; count: number }[]>()
  const changes = new EventEmitter()
  const answer = (res: ServerResponse, count: number) => {
    if (res.destroyed) return
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ count }))
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://witness')
    const name = url.searchParams.get('name') ?? ''
    const key = `${name}\u0000${url.searchParams.get('run') ?? ''}`
    const count = (perRun.get(key) ?? 0) + 1
    perRun.set(key, count)
    counts.set(name, (counts.get(name) ?? 0) + 1)
    changes.emit('change')
    if (held.has(name)) waiting.set(name, [...(waiting.get(name) ?? []), { res, count }])
    else answer(res, count)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    count: (name) => counts.get(name) ?? 0,
    hold: (name) => void held.add(name),
    release(name) {
      held.delete(name)
      for (const { res, count } of waiting.get(name) ?? []) answer(res, count)
      waiting.delete(name)
    },
    waitFor: (name, count, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if ((counts.get(name) ?? 0) < count) return
          clearTimeout(timer)
          changes.off('change', check)
          resolve()
        }
        const timer = setTimeout(() => {
          changes.off('change', check)
          reject(new Error(`witness: "${name}" reached ${counts.get(name) ?? 0} of ${count} within ${timeoutMs} ms`))
        }, timeoutMs)
        changes.on('change', check)
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
