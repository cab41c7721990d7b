import { afterEach, describe, expect, it, vi } from 'vitest'
import { greet } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { drain, send } from '../support/app-requests.ts'

/** Says who it runs for: the user id the runtime put in `ctx`. */
const whoami = defineWorkflow({
  name: 'whoami',
  description: 'Returns ctx.userId',
  async run(ui, _params, ctx) {
    await ui.textMessage({ body: `running for ${ctx.userId}` })
    return ctx.userId
  },
})

const KEYS = { 'key-alice-0123456789': 'alice', 'key-bob-0123456789ab': 'bob' }

let app: ParleyApp
afterEach(async () => {
  await app?.close()
})

describe('auth off (no keys, no hook)', () => {
  it('serves everyone as the one anonymous user, and the workflow sees "anonymous"', async () => {
    app = createApp({ workflows: [whoami] })
    const created = await send(app, 'POST', '/v1/runs', { body: { workflow: 'whoami' } })
    expect(created.status).toBe(201)

    const messages = await drain(app, created.body.id)
    expect(messages.find((m) => m.type === 'text_message')?.content.body).toBe('running for anonymous')
    const run = await send(app, 'GET', `/v1/runs/${created.body.id}`)
    expect(run.body.result).toBe('anonymous')
    const listed = await send(app, 'GET', '/v1/runs')
    expect(listed.body.runs.map((r: { id: string }) => r.id)).toEqual([created.body.id])
  })

  it('ignores an Authorization header it has no use for', async () => {
    app = createApp({ workflows: [whoami] })
    const listed = await send(app, 'GET', '/v1/workflows', { key: 'anything' })
    expect(listed.status).toBe(200)
  })
})

describe('API keys', () => {
  it('refuses a request without a key: 401 problem+json, code unauthorized, WWW-Authenticate: Bearer', async () => {
    app = createApp({ workflows: [whoami], auth: { apiKeys: KEYS } })
    const refused = await send(app, 'GET', '/v1/workflows')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(refused.body).toMatchObject({ status: 401, code: 'unauthorized', type: 'urn:parley:problem:unauthorized' })
    expect(refused.body.detail).toMatch(/Authorization: Bearer/)
    // RFC 9110 §11.6.1: a 401 carries a challenge naming the scheme.
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
  })

  it('refuses an unknown key and a key sent with another scheme', async () => {
    app = createApp({ workflows: [whoami], auth: { apiKeys: KEYS } })
    for (const authorization of [
      'Bearer key-mallory',
      'Basic a2V5LWFsaWNlLTAxMjM0NTY3ODk6',
      'key-alice-0123456789',
      'Bearer ',
      'Bearer KEY-ALICE-0123456789',
    ]) {
      const refused = await send(app, 'GET', '/v1/runs', { headers: { authorization } })
      expect(refused.status, authorization).toBe(401)
      expect(refused.body.code).toBe('unauthorized')
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
    }
  })

  it('guards every /v1 operation, before looking at the request', async () => {
    app = createApp({ workflows: [greet], auth: { apiKeys: KEYS } })
    const operations: [string, string, unknown?][] = [
      ['GET', '/v1/workflows'],
      ['GET', '/v1/workflows/greet'],
      ['POST', '/v1/workflows/greet/runs', {}],
      ['POST', '/v1/runs', { workflow: 'greet' }],
      ['GET', '/v1/runs'],
      ['GET', '/v1/runs/some-run'],
      ['POST', '/v1/runs/some-run/cancel'],
      ['GET', '/v1/runs/some-run/messages?wait=30'],
      ['POST', '/v1/runs/some-run/replies', { question_id: 'q', answer: 'a' }],
      // Invalid input does not get a 422 before the caller is known.
      ['GET', '/v1/runs?limit=100000'],
    ]
    for (const [method, path, body] of operations) {
      const refused = await send(app, method, path, { body })
      expect(refused.status, `${method} ${path}`).toBe(401)
      expect(refused.body.code).toBe('unauthorized')
    }
    expect(app.runs.executingCount).toBe(0)
  })

  it('accepts a known key, case-insensitive scheme, and runs the workflow as that key’s user', async () => {
    app = createApp({ workflows: [whoami], auth: { apiKeys: new Map(Object.entries(KEYS)) } })
    const created = await send(app, 'POST', '/v1/runs', {
      body: { workflow: 'whoami' },
      headers: { authorization: 'bearer   key-bob-0123456789ab' },
    })
    expect(created.status).toBe(201)
    await drain(app, created.body.id, { key: 'key-bob-0123456789ab' })
    const run = await send(app, 'GET', `/v1/runs/${created.body.id}`, { key: 'key-bob-0123456789ab' })
    expect(run.body.status).toBe('completed')
    expect(run.body.result).toBe('bob')
  })

  it('keeps health, the OpenAPI document and the docs public', async () => {
    app = createApp({ workflows: [whoami], auth: { apiKeys: KEYS } })
    expect((await send(app, 'GET', '/healthz')).status).toBe(200)
    expect((await send(app, 'GET', '/openapi.json')).status).toBe(200)
    expect((await send(app, 'GET', '/docs')).status).toBe(200)
  })
})

describe('the authenticate(request) hook', () => {
  const byProxyHeader = (request: Request) => request.headers.get('x-user')

  it('decides the user from anything in the request, e.g. a proxy header', async () => {
    app = createApp({ workflows: [whoami], auth: { authenticate: byProxyHeader } })
    const created = await send(app, 'POST', '/v1/runs', { body: { workflow: 'whoami' }, headers: { 'x-user': 'carol' } })
    expect(created.status).toBe(201)
    const messages = await drain(app, created.body.id, { headers: { 'x-user': 'carol' } })
    expect(messages.find((m) => m.type === 'text_message')?.content.body).toBe('running for carol')
    const run = await send(app, 'GET', `/v1/runs/${created.body.id}`, { headers: { 'x-user': 'carol' } })
    expect(run.body.result).toBe('carol')
  })

  it('refuses with 401 when the hook returns null or an empty id', async () => {
    app = createApp({ workflows: [whoami], auth: { authenticate: byProxyHeader } })
    const missing = await send(app, 'GET', '/v1/workflows')
    expect(missing.status).toBe(401)
    expect(missing.body.code).toBe('unauthorized')
    const empty = await send(app, 'GET', '/v1/workflows', { headers: { 'x-user': '' } })
    expect(empty.status).toBe(401)
  })

  it('may be async (e.g. verifying a token)', async () => {
    const tokens = new Map([['t-123', 'dave']])
    app = createApp({
      workflows: [whoami],
      auth: {
        async authenticate(request) {
          await new Promise((resolve) => setTimeout(resolve, 5))
          return tokens.get(request.headers.get('x-token') ?? '') ?? null
        },
      },
    })
    expect((await send(app, 'GET', '/v1/runs', { headers: { 'x-token': 't-123' } })).status).toBe(200)
    expect((await send(app, 'GET', '/v1/runs', { headers: { 'x-token': 't-999' } })).status).toBe(401)
  })

  it('works beside API keys: a known key wins, otherwise the hook decides', async () => {
    const asked: string[] = []
    app = createApp({
      workflows: [whoami],
      auth: {
        apiKeys: KEYS,
        authenticate(request) {
          asked.push(request.headers.get('authorization') ?? '')
          return request.headers.get('x-user')
        },
      },
    })
    const byKey = await send(app, 'POST', '/v1/runs', { body: { workflow: 'whoami' }, key: 'key-alice-0123456789' })
    await drain(app, byKey.body.id, { key: 'key-alice-0123456789' })
    expect((await send(app, 'GET', `/v1/runs/${byKey.body.id}`, { key: 'key-alice-0123456789' })).body.result).toBe('alice')
    expect(asked).toEqual([])

    const byHook = await send(app, 'GET', '/v1/runs', { key: 'key-unknown', headers: { 'x-user': 'erin' } })
    expect(byHook.status).toBe(200)
    expect(byHook.body.runs).toEqual([])
    expect((await send(app, 'GET', '/v1/runs', { key: 'key-unknown' })).status).toBe(401)
  })

  it('answers 500 problem+json, without the hook’s message, when the hook throws; the server carries on', async () => {
    // The server logs the error; keep it out of the test output.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    app = createApp({
      workflows: [whoami],
      auth: {
        authenticate(request) {
          if (request.headers.get('x-user') === 'boom') throw new Error('secret backend detail')
          return request.headers.get('x-user')
        },
      },
    })
    const failed = await send(app, 'GET', '/v1/runs', { headers: { 'x-user': 'boom' } })
    expect(failed.status).toBe(500)
    expect(failed.body.code).toBe('internal_error')
    expect(JSON.stringify(failed.body)).not.toContain('secret backend detail')
    expect((await send(app, 'GET', '/v1/runs', { headers: { 'x-user': 'frank' } })).status).toBe(200)
    expect(logged).toHaveBeenCalledOnce()
    logged.mockRestore()
  })
})
