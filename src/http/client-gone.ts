import type { HttpBindings } from '@hono/node-server'
import type { Context } from 'hono'

/**
 * Aborted when the client goes away before its response is sent: what a held long-poll listens to.
 *
 * Served by `serve()` (@hono/node-server), it is the Node response's `close` before it finished,
 * read straight from the socket's response: `c.req.raw.signal` would make the adapter build a
 * whole fetch `Request` (headers, URL, body stream) for every poll that waits, ≈40% of the memory
 * a held poll keeps (`npm run bench -- --only idle`). Elsewhere (`app.request` in tests, other
 * runtimes) it is the request's own signal.
 */
export function clientGoneSignal(c: Context): AbortSignal {
  const made = signals.get(c)
  if (made) return made
  const signal = makeSignal(c)
  signals.set(c, signal)
  return signal
}

/** One signal per request, however often it is asked for. */
const signals = new WeakMap<Context, AbortSignal>()

function makeSignal(c: Context): AbortSignal {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing
  if (!outgoing || typeof outgoing.once !== 'function') return c.req.raw.signal
  const controller = new AbortController()
  if (outgoing.closed) {
    if (!outgoing.writableFinished) controller.abort()
  } else {
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) controller.abort()
    })
  }
  return controller.signal
}
