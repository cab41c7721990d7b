import type { components } from '../../generated/v1.d.ts'

/**
 * Verifies a webhook delivery as the Standard Webhooks spec says
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#verifying-webhook-authenticity):
 * HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the base64-decoded part of the secret
 * after `whsec_`. Web Crypto only (`globalThis.crypto.subtle`), so it runs in browsers, edge
 * runtimes and Node 20 alike; hence async.
 */

/** The body of a webhook delivery: a `QuestionEvent` or a `RunFinishedEvent`, told apart by `type`. */
export type WebhookEvent = components['schemas']['WebhookEvent']

/** Why a delivery was refused; switch on it (the message is for people). */
export type WebhookVerificationReason =
  | 'missing_header'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  | 'invalid_body'

/** A delivery that is not one Parley signed with this secret, or not a fresh one: answer it with a 4xx. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookVerificationReason,
    message: string,
  ) {
    super(message)
    this.name = 'WebhookVerificationError'
  }
}

/** Request headers: a fetch `Headers`, or a plain record as node:http (`req.headers`) and Express give them. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>

export interface VerifyWebhookOptions {
  /** How far the `Parley-Timestamp` may be from `now`, either way, in seconds (default 300). */
  toleranceSeconds?: number
  /** The time to check the timestamp against (default: the current time). */
  now?: Date
}

/**
 * Checks that a delivery comes from Parley, signed with `secret`, and is fresh; returns its parsed
 * body, or throws a `WebhookVerificationError` saying why not. Reads `Parley-Id`,
 * `Parley-Timestamp` and `Parley-Signature` (falling back to `webhook-id` …, the Standard
 * Webhooks names), accepts the delivery when any `v1,` signature of the space-separated header
 * matches (compared in constant time), and refuses a timestamp more than `toleranceSeconds` from
 * now, so that a captured delivery cannot be replayed later. Pass the body exactly as received
 * (the raw text or bytes, not JSON parsed and serialized again). Deduplicate on the event's `id`:
 * a delivery may come more than once.
 *
 * @example
 * // node:http; with Express, `express.raw({ type: 'application/json' })` gives req.body as bytes
 * const body = Buffer.concat(await Array.fromAsync(req))
 * try {
 *   const event = await verifyWebhook(process.env.PARLEY_WEBHOOK_SECRET ?? '', req.headers, body)
 *   if (event.type === 'question.created') notify(event.data.question)
 *   res.writeHead(204).end()
 * } catch (error) {
 *   if (!(error instanceof WebhookVerificationError)) throw error
 *   res.writeHead(400).end(error.message)
 * }
 */
export async function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  { toleranceSeconds = 300, now = new Date() }: VerifyWebhookOptions = {},
): Promise<WebhookEvent> {
  const id = header(headers, 'parley-id') ?? header(headers, 'webhook-id')
  const timestamp = header(headers, 'parley-timestamp') ?? header(headers, 'webhook-timestamp')
  const signatures = header(headers, 'parley-signature') ?? header(headers, 'webhook-signature')
  if (id === undefined || timestamp === undefined || signatures === undefined) {
    const missing = id === undefined ? 'Parley-Id' : timestamp === undefined ? 'Parley-Timestamp' : 'Parley-Signature'
    throw new WebhookVerificationError('missing_header', `No ${missing} header (nor its webhook-* twin)`)
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new WebhookVerificationError('invalid_timestamp', `Parley-Timestamp is not a number of seconds: ${timestamp.slice(0, 40)}`)
  }
  const age = Math.floor(now.getTime() / 1000) - Number(timestamp)
  if (age > toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_too_old', `Signed ${age} s ago, more than ${toleranceSeconds} s`)
  }
  if (-age > toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_too_new', `Signed ${-age} s ahead of now, more than ${toleranceSeconds} s`)
  }

  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
  const expected = await hmacSha256(secretKey(secret), concat(new TextEncoder().encode(`${id}.${timestamp}.`), bytes))
  // Several signatures, space-separated, during a secret's rotation; versions other than v1 are skipped.
  const matched = signatures
    .split(' ')
    .filter((signature) => signature.startsWith('v1,'))
    .some((signature) => {
      const given = fromBase64(signature.slice(3))
      return given !== undefined && timingSafeEqual(given, expected)
    })
  if (!matched) throw new WebhookVerificationError('no_matching_signature', 'No signature matches this secret, id, timestamp and body')

  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as WebhookEvent
  } catch {
    throw new WebhookVerificationError('invalid_body', 'The signed body is not JSON')
  }
}

/** One header's value, whatever the case of its name; repeated values joined as fetch joins them. */
function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue
    return typeof value === 'string' ? value : value.join(', ')
  }
  return undefined
}

/** The HMAC key: the bytes of the base64 after `whsec_`. A secret that is not base64 is a setup mistake, not a forged delivery. */
function secretKey(secret: string): Uint8Array<ArrayBuffer> {
  const key = fromBase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret)
  if (key === undefined || key.length === 0) throw new TypeError('The webhook secret is not whsec_ and base64')
  return key
}

async function hmacSha256(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const { subtle } = globalThis.crypto
  const hmac = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return new Uint8Array(await subtle.sign('HMAC', hmac, data))
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0))
  } catch {
    return undefined
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(a.length + b.length)
  joined.set(a)
  joined.set(b, a.length)
  return joined
}

/** Compares every byte whatever the first difference, so the time taken tells nothing of where it is. */
function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let index = 0; index < a.length; index++) difference |= (a[index] ?? 0) ^ (b[index] ?? 0)
  return difference === 0
}
