import type { Context } from 'hono'
import { ParleyError } from '../../runtime/errors.ts'

/** The names a browser sends for this machine itself, at any port. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]']

/** A host a request may name: its hostname (lower case, IPv6 in brackets), and a port, or any when null. */
interface AllowedHost {
  hostname: string
  port: string | null
}

/**
 * Open mode's guard against DNS rebinding. A web page cannot call an open Parley server on
 * localhost from its own origin (CORS), unless its name is made to resolve to 127.0.0.1: the
 * browser then treats the server as the page's own origin, and sends that name as `Host`
 * (https://en.wikipedia.org/wiki/DNS_rebinding). So a server without keys answers only requests
 * that name it as loopback or as a host its operator listed (`allowed`: `parley.internal`,
 * `10.0.0.5:8008`, …; without a port, any port); any other gets 421 `host_not_allowed` (RFC 9110
 * §15.5.20: this server does not answer for that name). With auth on, the keys protect it instead.
 *
 * A request without `Host` (an in-process `app.fetch`) passes: browsers always send one. Throws
 * the 421 (the app's error path answers it).
 */
export function createHostCheck(allowed: readonly string[]): (c: Context) => void {
  const hosts = [...LOOPBACK_HOSTS, ...allowed].map(parseAllowedHost)
  // A client sends the same Host on every request: each value is judged once (a few kept).
  const judged = new Map<string, boolean>()
  return (c) => {
    const header = c.req.header('host')
    if (header === undefined) return
    let allowedHeader = judged.get(header)
    if (allowedHeader === undefined) {
      const url = hostUrl(header)
      allowedHeader = url !== null && hosts.some((host) => matches(host, url))
      if (judged.size >= JUDGED_HOSTS_KEPT) judged.clear()
      judged.set(header, allowedHeader)
    }
    if (!allowedHeader) {
      throw new ParleyError(
        'host_not_allowed',
        'This server has no API keys, so it answers only requests for localhost or a host listed in PARLEY_ALLOWED_HOSTS',
      )
    }
  }
}

/** How many distinct Host values the check remembers its answer for (a stranger's many names start it over). */
const JUDGED_HOSTS_KEPT = 64

/** `parley.internal`, `10.0.0.5:8008`, `[fd00::5]`: refuses anything else (a scheme, a path, a wildcard). */
export function parseAllowedHost(entry: string): AllowedHost {
  const url = hostUrl(entry.trim())
  if (!url) {
    throw new Error(
      `allowed host "${entry}" must be a host name or address, optionally with a port (e.g. parley.internal or 10.0.0.5:8008)`,
    )
  }
  return { hostname: url.hostname, port: /:\d+$/.test(entry.trim()) ? portOf(url) : null }
}

function matches(allowed: AllowedHost, url: URL): boolean {
  return url.hostname === allowed.hostname && (allowed.port === null || portOf(url) === allowed.port)
}

/** `host[:port]` as a URL, or null when it is anything more (a scheme, a path, credentials) or not a host at all. */
function hostUrl(host: string): URL | null {
  if (host === '' || /[/?#@\\\s*]/.test(host)) return null
  try {
    return new URL(`http://${host}`)
  } catch {
    return null
  }
}

/** The URL drops http's default port: `host:80` has port ''. */
function portOf(url: URL): string {
  return url.port || '80'
}
