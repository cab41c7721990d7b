import type { HttpBindings } from '@hono/node-server'
import type { Context } from 'hono'
import type { ClientGone } from '../runtime/long-poll.ts'
import { goneOnAbort } from '../runtime/long-poll.ts'

/**
 * Tells a held long-poll when its client goes away.
 *
 * Served by `serve()` (@hono/node-server), it listens to the Node response's `close` before it
 * finished, straight from the socket's response: `c.req.raw.signal` would make the adapter build
 * a whole fetch `Request` (headers, URL, body stream) and an AbortController for every poll that
 * waits, about half the memory a held poll kept (`npm run bench -- --only idle`). Elsewhere
 * (`app.request` in tests, other runtimes) it is the request's own signal.
 */
export function clientGone(c: Context): ClientGone {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing
  if (!outgoing || typeof outgoing.once !== 'function') return goneOnAbort(c.req.raw.signal)
  return (gone) => {
    if (outgoing.closed) {
      if (!outgoing.writableFinished) gone()
      return () => undefined
    }
    const onClose = () => {
      if (!outgoing.writableFinished) gone()
    }
    outgoing.once('close', onClose)
    return () => void outgoing.off('close', onClose)
  }
}
