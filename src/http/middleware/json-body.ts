import { createMiddleware } from 'hono/factory'
import { ParleyError } from '../../runtime/errors.ts'

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i

/**
 * Guards routes that take a JSON body: 415 for another content type, 400 for a body that
 * does not parse. Hono caches the parsed body, so the validator after this reads it free.
 */
export const requireJsonBody = createMiddleware(async (c, next) => {
  const contentType = c.req.header('content-type') ?? ''
  if (!JSON_TYPE.test(contentType)) {
    throw new ParleyError('unsupported_media_type', `Expected Content-Type: application/json, got "${contentType || 'none'}"`, [
      { field: 'header.content-type', message: 'must be application/json' },
    ])
  }
  try {
    await c.req.json()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ParleyError('malformed_json', `The body is not valid JSON: ${reason}`, [{ field: 'body', message: reason }])
  }
  await next()
})
