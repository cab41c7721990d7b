import { CliError } from './cli-error.ts'

/** Exit code of a start refused as unsafe (not a crash, not a typo: a decision the operator must make). */
export const REFUSED_EXIT_CODE = 2

export interface Exposure {
  /** What the server binds to: `--host` or `PARLEY_HOST`. */
  host: string
  /** Whether API keys are configured. */
  authOn: boolean
  /** `--allow-no-auth` or `PARLEY_ALLOW_NO_AUTH=1`. */
  allowNoAuth: boolean
}

/**
 * Refuses to serve without API keys where other machines can reach the server, unless the
 * operator said so (e.g. a proxy in front authenticates); returns the warning to print then.
 */
export function checkExposure({ host, authOn, allowNoAuth }: Exposure): string | null {
  if (authOn || isLoopback(host)) return null
  if (!allowNoAuth) {
    throw new CliError(
      `refusing to serve without API keys on ${host}, where other machines can reach it: set PARLEY_API_KEYS ` +
        '(or PARLEY_API_KEYS_FILE), listen on 127.0.0.1, or pass --allow-no-auth (PARLEY_ALLOW_NO_AUTH=1) if something in front authenticates',
      REFUSED_EXIT_CODE,
    )
  }
  return (
    `parley: warning: serving without API keys on ${host} (--allow-no-auth): whoever reaches it is the one anonymous user; ` +
    'requests must name localhost, this address or a host in PARLEY_ALLOWED_HOSTS'
  )
}

/** `localhost`, 127.0.0.0/8 and `::1` (bracketed or IPv4-mapped too): only this machine reaches them. */
export function isLoopback(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
  return name === 'localhost' || name === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(name)
}

/** Addresses that mean "every interface": not one a client can name. */
export function isWildcard(host: string): boolean {
  const name = host.trim().replace(/^\[(.*)\]$/, '$1')
  return name === '0.0.0.0' || name === '::' || name === ''
}
