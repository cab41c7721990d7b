import { createHmac, randomBytes } from 'node:crypto'

/**
 * Webhook signatures as the Standard Webhooks spec (https://www.standardwebhooks.com) defines
 * them: HMAC-SHA256, keyed with the base64-decoded part of the `whsec_…` secret, over
 * `{id}.{timestamp}.{body}`, sent as `v1,{base64}`. Any Standard Webhooks library verifies them.
 */

/** A new secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

/** The `v1,…` signature of one attempt. `timestamp` is in seconds since the epoch. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')
  return `v1,${mac}`
}

/**
 * The headers of one attempt: `Parley-Id`, `Parley-Timestamp` and `Parley-Signature`, and the
 * same values under the Standard Webhooks names (`webhook-id` …), so receivers may verify with
 * either: our helpers, or any Standard Webhooks library.
 */
export function signedHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  const signature = signWebhook(secret, id, timestamp, body)
  return {
    'parley-id': id,
    'parley-timestamp': String(timestamp),
    'parley-signature': signature,
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  }
}
