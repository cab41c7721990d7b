import { createHmac } from 'node:crypto'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { approval, greet } from '../../src/examples/questions.ts'
import { call, schemaErrors } from '../support/contract.ts'
import { CONTRACT_STORE } from '../support/contract-store.ts'
import { STORE_BACKENDS, useServedStore } from '../support/store-backends.ts'
import { waitFor } from '../support/wait-for.ts'
import type { WebhookReceiver } from '../support/webhook-receiver.ts'
import { startWebhookReceiver } from '../support/webhook-receiver.ts'

/**
 * Webhooks: registered per user, their events delivered at least once, in order per run, signed
 * the Standard Webhooks way, retried with backoff, every attempt visible. Each backend alike, with a
 * real receiver on loopback (allowed here by `allowPrivate`, as PARLEY_WEBHOOK_ALLOW_PRIVATE=1).
 */

const KEYS = { alice: 'key-alice-0123456789', bob: 'key-bob-01234567890' } as const
type User = keyof typeof KEYS
const ALL_EVENTS = ['question.created', 'question.closed', 'run.finished']

let receiver: WebhookReceiver
beforeEach(async () => {
  receiver = await startWebhookReceiver()
})
afterEach(async () => {
  await receiver.close()
})

/** Our own check of a signature, from the spec's words: HMAC-SHA256 over `{id}.{timestamp}.{body}` with the decoded secret. */
function expectedSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

// The contract suite runs once per backend (vitest.config.ts): this file on that run's backend.
const BACKEND = STORE_BACKENDS.filter((backend) => backend.name === CONTRACT_STORE)

describe.each(BACKEND)('webhooks ($name store)', (backend) => {
  const { server } = useServedStore(backend, [approval, greet], {
    auth: { apiKeys: Object.fromEntries(Object.entries(KEYS).map(([user, key]) => [key, user])) },
    limits: { runsPerMinute: 0 },
    webhooks: { allowPrivate: true, retryBaseMs: 50, maxAttempts: 3, timeoutMs: 5000 },
  })
  const api = (user: User, method: string, path: string, body?: unknown) =>
    call(server.url, method, path, { headers: { authorization: `Bearer ${KEYS[user]}` }, ...(body === undefined ? {} : { body }) })

  async function register(user: User, events = ALL_EVENTS, url = receiver.url) {
    const created = await api(user, 'POST', '/v1/webhooks', { url, events })
    expect(created.status).toBe(201)
    return created.body
  }

  /** Starts an approval by `owner` for `approvers` and waits until its question is asked. */
  async function approvalFor(owner: User, approvers: User[] = []) {
    const created = await api(owner, 'POST', '/v1/runs', { workflow: 'approval', params: { request: 'Deploy', approvers } })
    expect(created.status).toBe(201)
    return waitFor(async () => {
      const run = (await api(owner, 'GET', `/v1/runs/${created.body.id}`)).body
      return run.pending_question ? run : null
    }, 'the approval question')
  }

  async function decide(user: User, run: { id: string; pending_question: { id: string } }, answer = 'approve') {
    const reply = await api(user, 'POST', `/v1/runs/${run.id}/replies`, { question_id: run.pending_question.id, answer })
    expect(reply.status).toBe(201)
  }

  it('registers, lists, shows and deletes a webhook, its secret shown once; another user sees none of it', async () => {
    const created = await api('alice', 'POST', '/v1/webhooks', {
      url: receiver.url,
      events: ['question.created'],
      description: 'approvals',
    })
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe(`/v1/webhooks/${created.body.id}`)
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    const { secret: _, ...webhook } = created.body
    expect(webhook).toEqual({
      id: webhook.id,
      url: receiver.url,
      events: ['question.created'],
      description: 'approvals',
      created_at: webhook.created_at,
    })

    expect((await api('alice', 'GET', '/v1/webhooks')).body).toEqual({ webhooks: [webhook] })
    expect((await api('alice', 'GET', `/v1/webhooks/${webhook.id}`)).body).toEqual(webhook)
    // Bob: as if it did not exist.
    expect((await api('bob', 'GET', '/v1/webhooks')).body).toEqual({ webhooks: [] })
    for (const [method, path] of [
      ['GET', `/v1/webhooks/${webhook.id}`],
      ['GET', `/v1/webhooks/${webhook.id}/deliveries`],
      ['DELETE', `/v1/webhooks/${webhook.id}`],
    ] as const) {
      const refused = await api('bob', method, path)
      expect(refused.status).toBe(404)
      expect(refused.body.code).toBe('webhook_not_found')
    }
    // A secret of one's own is kept as given.
    const own = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3Q1Xa2uNfUs='
    const second = await api('alice', 'POST', '/v1/webhooks', { url: receiver.url, events: ['run.finished'], secret: own })
    expect(second.body.secret).toBe(own)

    expect((await api('alice', 'DELETE', `/v1/webhooks/${webhook.id}`)).status).toBe(204)
    expect((await api('alice', 'GET', `/v1/webhooks/${webhook.id}`)).status).toBe(404)
    expect((await api('alice', 'GET', '/v1/webhooks')).body.webhooks.map((item: { id: string }) => item.id)).toEqual([second.body.id])
  })

  it('delivers question.created, question.closed and run.finished in order, signed, each visible with its attempt', async () => {
    const webhook = await register('alice')
    const run = await approvalFor('alice')
    await decide('alice', run)
    await receiver.waitForAccepted(3)

    const events = receiver.accepted()
    expect(events.map((event) => event.type)).toEqual(['question.created', 'question.closed', 'run.finished'])
    for (const event of events) expect(schemaErrors(['components', 'schemas', 'WebhookEvent'], event)).toBeNull()
    const [asked, closed, finished] = events
    expect(asked.data).toEqual({
      question: run.pending_question,
      status: 'pending',
      run: { id: run.id, workflow: 'approval', status: 'awaiting_input', created_at: run.created_at },
      expires_at: run.pending_question.content.expires_at,
      mine: true,
    })
    expect(closed.data).toMatchObject({
      question: run.pending_question,
      status: 'answered',
      run: { id: run.id, status: 'running' },
      mine: true,
    })
    const ended = (await api('alice', 'GET', `/v1/runs/${run.id}`)).body
    expect(finished.data).toEqual(ended)
    expect(finished.data.status).toBe('completed')
    expect(new Set(events.map((event) => event.id)).size).toBe(3)

    for (const request of receiver.requests) {
      const { headers, body } = request
      expect(headers['content-type']).toBe('application/json')
      expect(headers['parley-id']).toBe(request.event.id)
      expect(headers['parley-signature']).toBe(
        expectedSignature(webhook.secret, request.event.id, String(headers['parley-timestamp']), body),
      )
      expect(Math.abs(Number(headers['parley-timestamp']) - Date.now() / 1000)).toBeLessThan(300)
      // An independent implementation of the Standard Webhooks spec accepts the same request.
      const verified = new StandardWebhook(webhook.secret).verify(body, {
        'webhook-id': String(headers['webhook-id']),
        'webhook-timestamp': String(headers['webhook-timestamp']),
        'webhook-signature': String(headers['webhook-signature']),
      })
      expect(verified).toEqual(request.event)
      // … and refuses it under another secret, or with its body changed.
      const stranger = new StandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3Q1Xa2uNfUs=')
      expect(() => stranger.verify(body, headers as Record<string, string>)).toThrow()
      expect(() => new StandardWebhook(webhook.secret).verify(`${body} `, headers as Record<string, string>)).toThrow()
    }

    const deliveries = await api('alice', 'GET', `/v1/webhooks/${webhook.id}/deliveries`)
    expect(deliveries.status).toBe(200)
    expect(deliveries.body.deliveries.map((delivery: { event: { type: string } }) => delivery.event.type)).toEqual([
      'run.finished',
      'question.closed',
      'question.created',
    ])
    for (const delivery of deliveries.body.deliveries) {
      expect(delivery.status).toBe('delivered')
      expect(delivery.next_attempt_at).toBeNull()
      expect(delivery.attempts).toEqual([{ at: expect.any(String), status_code: 200, error: null, duration_ms: expect.any(Number) }])
    }
    const page = await api('alice', 'GET', `/v1/webhooks/${webhook.id}/deliveries?limit=2`)
    expect(page.body.deliveries).toHaveLength(2)
    const rest = await api('alice', 'GET', `/v1/webhooks/${webhook.id}/deliveries?limit=2&cursor=${page.body.next_cursor}`)
    expect(rest.body.deliveries.map((delivery: { event: { type: string } }) => delivery.event.type)).toEqual(['question.created'])
    expect(rest.body.next_cursor).toBeNull()
    expect((await api('alice', 'GET', `/v1/webhooks/${webhook.id}/deliveries?cursor=nope`)).body.errors).toEqual([
      { field: 'query.cursor', message: 'use next_cursor from a previous page' },
    ])
  })

  it('sends each user only the events they subscribed to: an assignee gets the question (mine: false) and its closing, not the run’s end', async () => {
    await register('alice', ['run.finished'])
    await register('bob', ['question.created', 'question.closed', 'run.finished'])
    const run = await approvalFor('alice', ['bob'])
    await decide('bob', run, 'reject')
    await receiver.waitForAccepted(3)
    const byType = receiver.accepted().map((event) => [event.type, event.data.mine ?? null])
    // Bob's two question events (his webhook was registered second, so his run.finished would come last; there is none).
    expect(byType).toEqual([
      ['question.created', false],
      ['question.closed', false],
      ['run.finished', null],
    ])
    expect(receiver.accepted()[2].data.result).toBe('rejected')
  })

  it('reports a question that expired unanswered as question.closed (expired), then the run’s end', async () => {
    await register('alice')
    const created = await api('alice', 'POST', '/v1/runs', { workflow: 'approval', params: { timeout_seconds: 1 } })
    await receiver.waitForAccepted(3)
    const [asked, closed, finished] = receiver.accepted()
    expect(asked.data.expires_at).toBe(asked.data.question.content.expires_at)
    expect(asked.data.expires_at).not.toBeNull()
    expect(closed).toMatchObject({ type: 'question.closed', data: { status: 'expired', run: { id: created.body.id } } })
    expect(finished).toMatchObject({ type: 'run.finished', data: { id: created.body.id, status: 'completed', result: 'rejected' } })
  })

  it('retries a refused delivery with backoff, and holds the run’s later events back until it is delivered', async () => {
    const webhook = await register('alice')
    receiver.answer((event, attempt) => (event.type === 'question.created' && attempt <= 2 ? 500 : 200))
    const run = await approvalFor('alice')
    await decide('alice', run)
    await receiver.waitForAccepted(3)
    // In order, whatever the retries: nothing of the run overtook the refused event.
    expect(receiver.requests.map((request) => [request.event.type, request.answered])).toEqual([
      ['question.created', 500],
      ['question.created', 500],
      ['question.created', 200],
      ['question.closed', 200],
      ['run.finished', 200],
    ])
    const deliveries = (await api('alice', 'GET', `/v1/webhooks/${webhook.id}/deliveries`)).body.deliveries
    const asked = deliveries.find((delivery: { event: { type: string } }) => delivery.event.type === 'question.created')
    expect(asked.status).toBe('delivered')
    expect(asked.attempts.map((attempt: { status_code: number; error: string | null }) => [attempt.status_code, attempt.error])).toEqual([
      [500, 'the receiver answered 500 Internal Server Error'],
      [500, 'the receiver answered 500 Internal Server Error'],
      [200, null],
    ])
    // The same event every time: one id, one body.
    const sent = receiver.requests.filter((request) => request.event.type === 'question.created')
    expect(new Set(sent.map((request) => request.body)).size).toBe(1)
  })

  it('marks a delivery failed once its attempts are used up, and goes on with the run’s next events', async () => {
    const webhook = await register('alice')
    receiver.answer((event) => (event.type === 'question.created' ? 503 : 200))
    const run = await approvalFor('alice')
    await decide('alice', run)
    await receiver.waitForAccepted(2)
    expect(receiver.accepted().map((event) => event.type)).toEqual(['question.closed', 'run.finished'])
    const failed = await api('alice', 'GET', `/v1/webhooks/${webhook.id}/deliveries?status=failed`)
    expect(failed.body.deliveries).toHaveLength(1)
    expect(failed.body.deliveries[0]).toMatchObject({ status: 'failed', next_attempt_at: null, event: { type: 'question.created' } })
    expect(failed.body.deliveries[0].attempts.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([503, 503, 503])
    expect((await api('alice', 'GET', `/v1/webhooks/${webhook.id}/deliveries?status=delivered`)).body.deliveries).toHaveLength(2)
  })

  it('sends nothing more to a deleted webhook', async () => {
    const webhook = await register('alice', ['question.created', 'run.finished'])
    const first = await approvalFor('alice')
    await receiver.waitForAccepted(1)
    expect((await api('alice', 'DELETE', `/v1/webhooks/${webhook.id}`)).status).toBe(204)
    await decide('alice', first)
    const second = await approvalFor('alice')
    // A webhook registered after the delete is a witness that deliveries still flow.
    await register('alice', ['question.closed'])
    await decide('alice', second)
    await receiver.waitForAccepted(2)
    expect(receiver.accepted().map((event) => event.type)).toEqual(['question.created', 'question.closed'])
  })
})

// Rules of the API and the dispatcher, not of a store: once, on the memory run.
describe.skipIf(CONTRACT_STORE !== 'memory')('webhook registration and target addresses (public only, by default)', () => {
  const { server } = useServedStore(STORE_BACKENDS[0] as (typeof STORE_BACKENDS)[number], [approval], {
    webhooks: { timeoutMs: 5000 },
  })
  const register = (body: unknown) => call(server.url, 'POST', '/v1/webhooks', { body })

  it('refuses what cannot be a webhook with a 422 naming the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [
        { url: 'http://127.0.0.1:8080/hook', events: ['run.finished'] },
        'body.url',
        /127\.0\.0\.1 is a loopback address.*PARLEY_WEBHOOK_ALLOW_PRIVATE=1/,
      ],
      [{ url: 'http://localhost/hook', events: ['run.finished'] }, 'body.url', /localhost is loopback/],
      [{ url: 'http://[::1]/hook', events: ['run.finished'] }, 'body.url', /::1 is a loopback address/],
      [{ url: 'http://10.0.0.7/hook', events: ['run.finished'] }, 'body.url', /private address/],
      [{ url: 'http://169.254.169.254/latest/meta-data', events: ['run.finished'] }, 'body.url', /linkLocal address/],
      [{ url: 'http://[::ffff:192.168.1.1]/hook', events: ['run.finished'] }, 'body.url', /192\.168\.1\.1 is a private address/],
      [{ url: 'http://100.64.0.1/hook', events: ['run.finished'] }, 'body.url', /carrierGradeNat/],
      [{ url: 'ftp://hooks.example.com/x', events: ['run.finished'] }, 'body.url', /http:\/\/ or https:\/\//],
      [{ url: 'https://user:pass@hooks.example.com/x', events: ['run.finished'] }, 'body.url', /user name or password/],
      [{ url: 'not a url', events: ['run.finished'] }, 'body.url', /absolute http/],
      [{ url: 'https://hooks.example.com/x', events: [] }, 'body.events', /./],
      [{ url: 'https://hooks.example.com/x', events: ['run.started'] }, 'body.events.0', /./],
      [{ url: 'https://hooks.example.com/x', events: ['run.finished', 'run.finished'] }, 'body.events', /at most once/],
      [{ url: 'https://hooks.example.com/x', events: ['run.finished'], secret: 'hunter2' }, 'body.secret', /whsec_/],
      // 33 base64 characters: no whole number of bytes; 16 bytes: too short a key; 66 bytes: too long.
      [
        { url: 'https://hooks.example.com/x', events: ['run.finished'], secret: `whsec_${'A'.repeat(33)}` },
        'body.secret',
        /24 to 64 bytes/,
      ],
      [
        { url: 'https://hooks.example.com/x', events: ['run.finished'], secret: `whsec_${Buffer.alloc(16, 7).toString('base64')}` },
        'body.secret',
        /24 to 64 bytes/,
      ],
      [
        { url: 'https://hooks.example.com/x', events: ['run.finished'], secret: `whsec_${Buffer.alloc(66, 7).toString('base64')}` },
        'body.secret',
        /24 to 64 bytes/,
      ],
      [{ url: 'https://hooks.example.com/x', events: ['run.finished'], retries: 3 }, 'body.retries', /Unknown field/],
    ]
    for (const [body, field, message] of cases) {
      const refused = await register(body)
      expect(refused.status, JSON.stringify(body)).toBe(422)
      expect(
        refused.body.errors.map((error: { field: string }) => error.field),
        JSON.stringify(body),
      ).toEqual([field])
      expect(refused.body.errors[0].message, JSON.stringify(body)).toMatch(message)
    }
    expect((await call(server.url, 'GET', '/v1/webhooks')).body.webhooks).toEqual([])
  })

  it('takes a public name, and up to 20 webhooks per user (409 too_many_webhooks after)', async () => {
    for (let index = 0; index < 20; index++) {
      expect((await register({ url: `https://hooks.example.com/${index}`, events: ['run.finished'] })).status).toBe(201)
    }
    const refused = await register({ url: 'https://hooks.example.com/21', events: ['run.finished'] })
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('too_many_webhooks')
  })

  it('refuses at delivery a name that resolves to a private address, and records why', async () => {
    // The machine's own name resolves to loopback or a private address (never a public one here):
    // allowed at registration (a name may resolve anywhere), refused on the address it resolves to.
    const { hostname } = await import('node:os')
    const target = new URL(receiver.url)
    target.hostname = hostname()
    const created = await register({ url: target.toString(), events: ['question.created'] })
    expect(created.status).toBe(201)
    await call(server.url, 'POST', '/v1/runs', { body: { workflow: 'approval' } })
    const attempt = await waitFor(async () => {
      const page = await call(server.url, 'GET', `/v1/webhooks/${created.body.id}/deliveries`)
      return page.body.deliveries[0]?.attempts[0]
    }, 'the first attempt')
    expect(attempt.status_code).toBeNull()
    expect(attempt.error).toMatch(new RegExp(`${hostname()} resolves to .*not a public address`))
    expect(receiver.requests).toEqual([])
  })
})
