import type { IncomingMessage } from 'node:http'
import type { HttpBindings } from '@hono/node-server'
import type { Context, MiddlewareHandler, Next } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { ParleyError } from '../runtime/errors.ts'

/**
 * Reads a request's body once, refusing one larger than `maxBytes` with 413 `payload_too_large`
 * (from `Content-Length` before a byte is read, or as a chunked body passes the limit), and hands
 * it to Hono's body cache, where `c.req.json()` (requireJsonBody, the validators) finds it.
 *
 * Served by `serve()` it reads the Node request itself: reading `c.req.raw.body` would make
 * @hono/node-server build a fetch `Request` and a web stream over the socket for every POST, ≈10%
 * of the server's CPU per message in the saturation bench. Elsewhere (`app.request`, other
 * runtimes) Hono's own body limit does the same work on the fetch Request.
 */
export function createBodyReader(maxBytes: number): (c: Context, next: Next) => Promise<void> {
  const tooLarge = () => new ParleyError('payload_too_large', `Request bodies are limited to ${maxBytes} bytes`)
  const limitFetchBody: MiddlewareHandler = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge()
    },
  })
  return async (c, next) => {
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming
    if (!incoming || typeof incoming.on !== 'function') {
      // Its onError throws: it never answers with a response of its own.
      await limitFetchBody(c, next)
      return
    }
    const declared = incoming.headers['content-length']
    if (declared !== undefined && incoming.headers['transfer-encoding'] === undefined && Number(declared) > maxBytes) throw tooLarge()
    const bytes = await readIncoming(incoming, maxBytes, tooLarge)
    // Decoded as fetch's `text()` does: UTF-8, a leading BOM dropped, bad bytes as U+FFFD.
    // Hono keeps the promise of each reading there (typed as the value).
    ;(c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(utf8.decode(bytes))
    await next()
  }
}

const utf8 = new TextDecoder()

/** The whole body, or a rejection: too large (the rest is left unread), or the client gone mid-body. */
function readIncoming(incoming: IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  if (incoming.readableEnded) return Promise.resolve(Buffer.alloc(0))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stop = () => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) return void chunks.push(chunk)
      stop()
      incoming.pause()
      reject(tooLarge())
    }
    const onEnd = () => {
      stop()
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size))
    }
    const onError = (error: Error) => {
      stop()
      reject(error)
    }
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onError)
  })
}
