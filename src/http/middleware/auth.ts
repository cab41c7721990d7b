import { createMiddleware } from 'hono/factory'
import { ParleyError } from '../../runtime/errors.ts'
import type { AppEnv } from '../app-env.ts'

export const ANONYMOUS_USER = 'anonymous'

/** Decides who is calling; null refuses the request with 401. */
export type Authenticate = (request: Request) => string | null | Promise<string | null>

export interface AuthOptions {
  /** API key → user id; requests then need `Authorization: Bearer <key>`. */
  apiKeys?: ReadonlyMap<string, string> | Record<string, string>
  /** Anything else (a JWT, a proxy's header): return the user id or null. */
  authenticate?: Authenticate
}

/** Off when neither keys nor a hook are given: everyone is the one anonymous user. */
export function createAuthMiddleware(options: AuthOptions | undefined) {
  const keys = options?.apiKeys instanceof Map ? options.apiKeys : new Map(Object.entries(options?.apiKeys ?? {}))
  const hook = options?.authenticate
  const enabled = keys.size > 0 || hook !== undefined
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!enabled) {
      c.set('userId', ANONYMOUS_USER)
      return next()
    }
    const header = c.req.header('authorization') ?? ''
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim()
    const userId = (bearer !== undefined ? keys.get(bearer) : undefined) ?? (hook ? await hook(c.req.raw) : null)
    if (!userId) throw new ParleyError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>"')
    c.set('userId', userId)
    return next()
  })
}
