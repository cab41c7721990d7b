import { Webhook as StandardWebhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { WebhookEvent } from '../../clients/typescript/index.ts'
import { createClient, verifyWebhook, WebhookVerificationError } from '../../clients/typescript/index.ts'
import { greet } from '../../src/examples/questions.ts'
import { contractFetch } from '../support/contract.ts'
import { STORE_BACKENDS, useServedStore } from '../support/store-backends.ts'
import { waitFor } from '../support/wait-for.ts'
import type { WebhookReceiver } from '../support/webhook-receiver.ts'
import { startWebhookReceiver } from '../support/webhook-receiver.ts'

/** Rejects with the `WebhookVerificationError` `promise` rejects with, failing the test on anything else. */
async function refusal(promise: Promise<unknown>): Promise<WebhookVerificationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(WebhookVerificationError)
  return error as WebhookVerificationError
}

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`

describe.each(STORE_BACKENDS)('the TypeScript client and webhooks ($name store)', (backend) => {
  const { server } = useServedStore(backend, [greet], { webhooks: { allowPrivate: true, retryBaseMs: 50 } })
  let receiver: WebhookReceiver | undefined
  beforeEach(() => {
    receiver = undefined
  })
  afterEach(async () => {
    await receiver?.close()
  })

  /** The client over the real fetch, every response checked against openapi/v1.json. */
  const checkedClient = () => createClient({ baseUrl: server.url, fetch: contractFetch((request) => fetch(request)) })

  it('creates, lists, gets and deletes a webhook; the secret is shown at creation only', async () => {
    const client = checkedClient()
    const { data: created, response } = await client.createWebhook({
      url: 'https://hooks.example.com/parley',
      events: ['question.created', 'run.finished'],
      description: 'approvals',
    })
    expect(response.status).toBe(201)
    if (!created) throw new Error('not created')
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
    expect(response.headers.get('location')).toBe(`/v1/webhooks/${created.id}`)
    const { secret: _, ...webhook } = created
    expect(webhook).toMatchObject({
      url: 'https://hooks.example.com/parley',
      events: ['question.created', 'run.finished'],
      description: 'approvals',
    })

    const mine = await client.createWebhook({ url: 'https://hooks.example.com/other', events: ['run.finished'], secret: SECRET })
    expect(mine.data?.secret).toBe(SECRET)

    const listed = await client.listWebhooks()
    expect(listed.data).toEqual([
      webhook,
      {
        id: mine.data?.id,
        url: 'https://hooks.example.com/other',
        events: ['run.finished'],
        description: null,
        created_at: mine.data?.created_at,
      },
    ])
    expect((await client.getWebhook(webhook.id)).data).toEqual(webhook)

    expect((await client.deleteWebhook(webhook.id)).response.status).toBe(204)
    const gone = await client.getWebhook(webhook.id)
    expect(gone.error).toMatchObject({ status: 404, code: 'webhook_not_found' })
    expect((await client.deleteWebhook(webhook.id)).error?.code).toBe('webhook_not_found')
    expect((await client.listWebhooks()).data?.map(({ id }) => id)).toEqual([mine.data?.id])
  })

  it('returns a refused URL as a 422 problem naming body.url, and no webhook is made', async () => {
    const client = checkedClient()
    const { data, error, response } = await client.createWebhook({ url: 'ftp://x', events: ['question.created'] })
    expect(data).toBeUndefined()
    expect(response.status).toBe(422)
    expect(error?.code).toBe('validation_failed')
    expect(error?.errors?.map(({ field }) => field)).toEqual(['body.url'])
    expect((await client.listWebhooks()).data).toEqual([])
    expect((await client.webhookDeliveries('no-such-webhook')).error?.code).toBe('webhook_not_found')
  })

  it('delivers question.created signed: verifyWebhook accepts it, and refuses it tampered, under another secret or stale', async () => {
    receiver = await startWebhookReceiver()
    const client = checkedClient()
    const { data: webhook } = await client.createWebhook({ url: receiver.url, events: ['question.created'], secret: SECRET })
    if (!webhook) throw new Error('not created')
    const { data: run } = await client.startRun('greet', { greeting: 'Hi' })
    if (!run) throw new Error('no run')

    const { headers, body } = await waitFor(() => receiver?.requests[0], 'a delivery')
    const event = await verifyWebhook(SECRET, headers, body)
    expect(event.type).toBe('question.created')
    expect(event.type === 'question.created' && event.data).toMatchObject({
      status: 'pending',
      mine: true,
      run: { id: run.id, workflow: 'greet' },
      question: { type: 'text_input' },
    })
    expect(headers['parley-id']).toBe(event.id)
    // The same from a fetch Headers (Hono, a service worker), from bytes, and from the webhook-* names alone.
    const standardOnly = Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('parley-')))
    expect(await verifyWebhook(SECRET, new Headers(headers as Record<string, string>), Buffer.from(body))).toEqual(event)
    expect(await verifyWebhook(SECRET, standardOnly, body)).toEqual(event)
    // And an independent implementation agrees.
    expect(new StandardWebhook(SECRET).verify(body, standardOnly as Record<string, string>)).toEqual(event)

    const tampered = body.replace('"pending"', '"answered"')
    expect(tampered).not.toBe(body)
    expect((await refusal(verifyWebhook(SECRET, headers, tampered))).reason).toBe('no_matching_signature')
    const otherSecret = `whsec_${Buffer.alloc(32, 8).toString('base64')}`
    expect((await refusal(verifyWebhook(otherSecret, headers, body))).reason).toBe('no_matching_signature')
    const tenMinutesOn = new Date(Date.now() + 600_000)
    expect((await refusal(verifyWebhook(SECRET, headers, body, { now: tenMinutesOn }))).reason).toBe('timestamp_too_old')
    const tenMinutesAgo = new Date(Date.now() - 600_000)
    expect((await refusal(verifyWebhook(SECRET, headers, body, { now: tenMinutesAgo }))).reason).toBe('timestamp_too_new')
    expect(await verifyWebhook(SECRET, headers, body, { now: tenMinutesOn, toleranceSeconds: 3600 })).toEqual(event)

    const page = await waitFor(async () => {
      const { data } = await client.webhookDeliveries(webhook.id)
      return data?.deliveries[0]?.status === 'delivered' ? data : undefined
    }, 'the delivery recorded as delivered')
    expect(page.next_cursor).toBeNull()
    expect(page.deliveries).toHaveLength(1)
    expect(page.deliveries[0]).toMatchObject({
      event,
      status: 'delivered',
      next_attempt_at: null,
      attempts: [{ status_code: 200, error: null }],
    })
    expect((await client.webhookDeliveries(webhook.id, { status: 'failed' })).data?.deliveries).toEqual([])
    await client.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: run.id } } })
  })

  it('retries a receiver that fails: the same event, each attempt signed, and the deliveries show both attempts', async () => {
    receiver = await startWebhookReceiver()
    receiver.answer((_, attempt) => (attempt === 1 ? 503 : 204))
    const client = checkedClient()
    const { data: webhook } = await client.createWebhook({ url: receiver.url, events: ['run.finished'], secret: SECRET })
    if (!webhook) throw new Error('not created')
    const { data: run } = await client.startRun('greet')
    if (!run) throw new Error('no run')
    await client.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: run.id } } })

    await waitFor(() => receiver?.requests.length === 2, 'a retry')
    const [first, second] = receiver.requests
    if (!first || !second) throw new Error('two deliveries expected')
    const events: WebhookEvent[] = [
      await verifyWebhook(SECRET, first.headers, first.body),
      await verifyWebhook(SECRET, second.headers, second.body),
    ]
    expect(events[1]).toEqual(events[0])
    expect(events[0]).toMatchObject({ type: 'run.finished', data: { id: run.id, status: 'cancelled' } })

    const page = await waitFor(async () => {
      const { data } = await client.webhookDeliveries(webhook.id, { status: 'delivered', limit: 1 })
      return data?.deliveries[0] ? data : undefined
    }, 'the delivery recorded as delivered')
    expect(page.deliveries[0]?.attempts.map(({ status_code }) => status_code)).toEqual([503, 204])
  })
})

describe('verifyWebhook, against deliveries signed by hand', () => {
  const standard = new StandardWebhook(SECRET)
  const signedAt = new Date('2026-11-27T09:30:00Z')
  const body = JSON.stringify({ id: 'evt_1', type: 'run.finished', timestamp: signedAt.toISOString(), data: {} })
  const headersFor = (signature: string) => ({
    'Webhook-Id': 'evt_1',
    'Webhook-Timestamp': String(signedAt.getTime() / 1000),
    'Webhook-Signature': signature,
  })

  it('accepts what the standardwebhooks package signs, with its header names in any case', async () => {
    const signature = standard.sign('evt_1', signedAt, body)
    expect(await verifyWebhook(SECRET, headersFor(signature), body, { now: signedAt })).toEqual(JSON.parse(body))
    // Base64 without its padding is the same key: the server accepts such a secret.
    const unpadded = `whsec_${Buffer.alloc(25, 3).toString('base64').replace(/=+$/, '')}`
    const unpaddedSignature = new StandardWebhook(unpadded).sign('evt_1', signedAt, body)
    expect(await verifyWebhook(unpadded, headersFor(unpaddedSignature), body, { now: signedAt })).toEqual(JSON.parse(body))
    // The secret without its whsec_ prefix is the same key.
    expect(await verifyWebhook(SECRET.slice('whsec_'.length), headersFor(signature), body, { now: signedAt })).toEqual(JSON.parse(body))
  })

  it('accepts a header with several signatures when any matches, and skips versions other than v1', async () => {
    const signature = standard.sign('evt_1', signedAt, body)
    const other = new StandardWebhook(`whsec_${Buffer.alloc(32, 9).toString('base64')}`).sign('evt_1', signedAt, body)
    expect(await verifyWebhook(SECRET, headersFor(`${other} v1,not-base64! ${signature}`), body, { now: signedAt })).toEqual(
      JSON.parse(body),
    )
    const v2 = signature.replace(/^v1,/, 'v2,')
    expect((await refusal(verifyWebhook(SECRET, headersFor(`${other} ${v2}`), body, { now: signedAt }))).reason).toBe(
      'no_matching_signature',
    )
  })

  it('names a missing header and a timestamp that is not a number', async () => {
    const signature = standard.sign('evt_1', signedAt, body)
    const { 'Webhook-Signature': _, ...unsigned } = headersFor(signature)
    const missing = await refusal(verifyWebhook(SECRET, unsigned, body, { now: signedAt }))
    expect(missing.reason).toBe('missing_header')
    expect(missing.message).toContain('Parley-Signature')
    const garbled = { ...headersFor(signature), 'Webhook-Timestamp': '2026-11-27' }
    expect((await refusal(verifyWebhook(SECRET, garbled, body, { now: signedAt }))).reason).toBe('invalid_timestamp')
  })

  it('throws a TypeError, not a refusal, for a secret that is not base64: a setup mistake', async () => {
    await expect(verifyWebhook('whsec_not base64!', headersFor('v1,x'), body, { now: signedAt })).rejects.toThrow(TypeError)
  })
})
