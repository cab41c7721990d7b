import { createMiddleware } from 'hono/factory'
import { ParleyError } from '../../runtime/errors.ts'
import type { AppEnv } from '../app-env.ts'
import { ApiKeyDigests } from './api-key-digests.ts'

export const ANONYMOUS_USER = 'anonymous'

/** Decides who is calling; null refuses the request with 401. */
export type Authenticate = (request: Request) => string | null | Promise<string | null>

export interface AuthOptions {
  /** API key (16 characters at least) → user id; requests then need `Authorization: Bearer <key>`. */
  apiKeys?: ReadonlyMap<string, string> | Record<string, string>
  /** Anything else (a JWT, a proxy's header): return the user id or null. */
  authenticate?: Authenticate
}

/**
 * Whether requests must say who they are: API keys or a hook given. Off ("open mode"), everyone is
 * the one anonymous user, and the server guards itself otherwise (allowed hosts, a quiet /healthz).
 */
export function isAuthOn(options: AuthOptions | undefined): boolean {
  const keys = options?.apiKeys
  const count = keys === undefined ? 0 : keys instanceof Map ? keys.size : Object.keys(keys).length
  return count > 0 || options?.authenticate !== undefined
}

/**
 * Off when neither keys nor a hook are given: everyone is the one anonymous user. Throws when an
 * API key is shorter than 16 characters, naming its entry.
 */
export function createAuthMiddleware(options: AuthOptions | undefined) {
  const keys = new ApiKeyDigests(options?.apiKeys ?? {}, 'auth.apiKeys')
  const hook = options?.authenticate
  const enabled = isAuthOn(options)
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!enabled) {
      c.set('userId', ANONYMOUS_USER)
      return next()
    }
    const header = c.req.header('authorization') ?? ''
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim()
    const userId = (bearer !== undefined ? keys.userOf(bearer) : undefined) ?? (hook ? await hook(c.req.raw) : null)
    if (!userId) throw new ParleyError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>"')
    c.set('userId', userId)
    return next()
  })
}
