import type { Context } from 'hono'
import { ParleyError } from '../../runtime/errors.ts'
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
 *
 * The function it returns names the caller of a request, or throws 401 `unauthorized`: at once
 * from the headers (an API key, or open mode), a promise only when the hook is asked.
 */
export function createAuthenticator(options: AuthOptions | undefined): (c: Context) => string | Promise<string> {
  const keys = new ApiKeyDigests(options?.apiKeys ?? {}, 'auth.apiKeys')
  const hook = options?.authenticate
  if (!isAuthOn(options)) return () => ANONYMOUS_USER
  const refuse = (): never => {
    throw new ParleyError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>"')
  }
  return (c) => {
    const header = c.req.header('authorization') ?? ''
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim()
    const userId = bearer !== undefined ? keys.userOf(bearer) : undefined
    if (userId) return userId
    if (!hook) return refuse()
    return Promise.resolve(hook(c.req.raw)).then((hooked) => hooked || refuse())
  }
}
