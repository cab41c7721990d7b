import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import type { DeliveryAttempt } from '../../schemas/webhooks.ts'
import type { DeliveryJob } from '../../store/store.ts'
import { signedHeaders } from './signature.ts'
import { publicOnlyLookup, refusedAddress } from './target-address.ts'

const USER_AGENT = 'Parley-Webhooks/1'

/**
 * One attempt: POSTs the delivery's body, signed for this attempt's timestamp, and reports how it
 * went. A 2xx is a success; any other status, a redirect included (never followed: it could
 * point anywhere), a refused address, a connection error or the timeout is a failure.
 */
export async function sendWebhook(
  job: DeliveryJob,
  options: { allowPrivate: boolean; timeoutMs: number },
  stop: AbortSignal,
): Promise<DeliveryAttempt> {
  const started = Date.now()
  const finish = (status_code: number | null, error: string | null): DeliveryAttempt => ({
    at: new Date(started).toISOString(),
    status_code,
    error,
    duration_ms: Date.now() - started,
  })
  const url = new URL(job.url)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  // A literal address is connected to without a lookup: checked here instead.
  const refused = !options.allowPrivate && isIP(host) !== 0 ? refusedAddress(host) : null
  if (refused) return finish(null, `${refused}; webhooks go to public addresses only (PARLEY_WEBHOOK_ALLOW_PRIVATE)`)

  const timestamp = Math.floor(started / 1000)
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'content-length': String(Buffer.byteLength(job.body)),
    ...signedHeaders(job.secret, job.event_id, timestamp, job.body),
  }
  const signal = AbortSignal.any([stop, AbortSignal.timeout(options.timeoutMs)])
  const transport = url.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    const request = transport.request(url, {
      method: 'POST',
      headers,
      signal,
      ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup() }),
    })
    request.on('response', (response) => {
      // The body is not read: drained, and the connection let go.
      response.resume()
      const status = response.statusCode ?? 0
      const ok = status >= 200 && status < 300
      resolve(finish(status, ok ? null : `the receiver answered ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`))
    })
    request.on('error', (error: NodeJS.ErrnoException) => {
      const timedOut = signal.aborted && !stop.aborted
      resolve(finish(null, timedOut ? `no response within ${options.timeoutMs} ms` : error.message || String(error.code)))
    })
    request.end(job.body)
  })
}
