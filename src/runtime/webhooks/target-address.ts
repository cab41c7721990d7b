import { lookup as dnsLookup } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Where webhooks may be sent: public addresses only, unless the operator allows private ones
 * (`PARLEY_WEBHOOK_ALLOW_PRIVATE=1`), so that a user cannot make the server call its own
 * internals (loopback, the private network, a cloud's metadata address at 169.254.169.254).
 * Checked when a webhook is registered (its URL's form, and a literal address) and again at
 * every delivery, on the address the connection is actually made to (a name may resolve
 * anywhere, and differently tomorrow).
 */

/** Why `address` may not be called (a sentence), or null when it is a public unicast address. */
export function refusedAddress(address: string): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged, and named, as the IPv4 address it is.
  const parsed = ipaddr.process(address)
  const range = parsed.range()
  return range === 'unicast' ? null : `${parsed.toString()} is a ${range} address, not a public one`
}

/** Why the URL cannot be a webhook's (a sentence naming the rule), or null when it can. */
export function refusedWebhookUrl(raw: string, allowPrivate: boolean): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'Must be an absolute http:// or https:// URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `Must be http:// or https://, not ${url.protocol}//`
  if (url.username !== '' || url.password !== '') return 'Must not carry a user name or password: the signature authenticates the server'
  if (url.hash !== '') return 'Must not have a #fragment'
  if (allowPrivate) return null
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is loopback${PRIVATE_HINT}`
  if (isIP(host) !== 0) {
    const refused = refusedAddress(host)
    if (refused) return `${refused}${PRIVATE_HINT}`
  }
  return null
}

const PRIVATE_HINT = '; webhooks go to public addresses only (the server allows others with PARLEY_WEBHOOK_ALLOW_PRIVATE=1)'

/**
 * A `lookup` for http.request that resolves as usual and refuses a name whose every address is
 * not public: the socket then connects to the address checked here, never to another answer.
 */
export function publicOnlyLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0)
      const allowed = addresses.filter((entry) => refusedAddress(entry.address) === null)
      const first = allowed[0]
      if (!first) {
        const refused = new Error(
          `${hostname} resolves to ${addresses.map((entry) => entry.address).join(', ')}: not a public address${PRIVATE_HINT}`,
        )
        return callback(Object.assign(refused, { code: 'EADDRNOTPUBLIC' }), '', 0)
      }
      if (options.all) return (callback as unknown as (e: null, a: typeof allowed) => void)(null, allowed)
      callback(null, first.address, first.family)
    })
  }
}
