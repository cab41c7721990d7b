import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import type { CreateAppOptions, ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { serve } from '../../src/server.ts'
import { send } from '../support/app-requests.ts'
import { call } from '../support/contract.ts'

const KEY = 'key-alice-0123456789'

let app: ParleyApp
afterEach(async () => {
  await app?.close()
})

function open(options: Partial<CreateAppOptions> = {}) {
  app = createApp({ workflows: [echo], ...options })
  return app
}

/** Every kind of endpoint: the API (read and write), health, the pages, the document. */
const ENDPOINTS: [string, string][] = [
  ['GET', '/v1/workflows'],
  ['POST', '/v1/runs'],
  ['GET', '/v1/runs/no-such-run'],
  ['GET', '/healthz'],
  ['GET', '/'],
  ['GET', '/docs'],
  ['GET', '/openapi.json'],
  ['GET', '/no-such-route'],
]

describe('open mode (no keys): the Host a request names', () => {
  it('refuses a host that is not loopback (a DNS-rebinding page) with 421 host_not_allowed, everywhere', async () => {
    open()
    for (const [method, path] of ENDPOINTS) {
      const body = method === 'POST' ? { workflow: 'echo', params: { text: 'hi' } } : undefined
      const refused = await send(app, method, path, { headers: { host: 'attacker.example' }, body })
      expect(refused.status, `${method} ${path}`).toBe(421)
      expect(refused.headers.get('content-type')).toBe('application/problem+json')
      expect(refused.body).toMatchObject({ status: 421, code: 'host_not_allowed' })
      expect(refused.body.detail).toContain('PARLEY_ALLOWED_HOSTS')
    }
    expect(app.runs.executingCount).toBe(0)
    const listed = await send(app, 'GET', '/v1/runs')
    expect(listed.body.runs).toEqual([])
  })

  it('documents the 421 on every operation (the committed contract)', async () => {
    open()
    const refused = await call(app, 'GET', '/v1/workflows', { headers: { host: 'attacker.example:8008' } })
    expect(refused.status).toBe(421)
    const health = await call(app, 'GET', '/healthz', { headers: { host: 'rebound.attacker.example' } })
    expect(health.status).toBe(421)
  })

  it('answers loopback names at any port: localhost, 127.0.0.1, [::1]', async () => {
    open()
    for (const host of ['localhost:8008', 'localhost', '127.0.0.1:8008', '127.0.0.1:1', '[::1]:8008', '[::1]', 'LOCALHOST:8008']) {
      const page = await send(app, 'GET', '/v1/workflows', { headers: { host } })
      expect(page.status, host).toBe(200)
    }
  })

  it('refuses names that only look like loopback', async () => {
    open()
    for (const host of [
      'localhost.attacker.example',
      '127.0.0.1.nip.io',
      'attacker.example#@localhost',
      '0.0.0.0:8008',
      'localhost:8008/x',
    ]) {
      const page = await send(app, 'GET', '/v1/workflows', { headers: { host } })
      expect(page.status, host).toBe(421)
    }
  })

  it('answers the hosts its operator allows (allowedHosts / PARLEY_ALLOWED_HOSTS): without a port any port, with one that port', async () => {
    open({ allowedHosts: ['parley.internal', '10.0.0.5:8008', '[fd00::5]'] })
    for (const host of ['parley.internal', 'parley.internal:8008', 'Parley.Internal:1234', '10.0.0.5:8008', '[fd00::5]:8008']) {
      expect((await send(app, 'GET', '/v1/workflows', { headers: { host } })).status, host).toBe(200)
    }
    for (const host of ['10.0.0.5:9999', '10.0.0.5', 'other.internal', 'attacker.example']) {
      expect((await send(app, 'GET', '/v1/workflows', { headers: { host } })).status, host).toBe(421)
    }
  })

  it('refuses an allowed host that is not a host', () => {
    for (const entry of ['http://parley.internal', 'parley.internal/api', '*.internal', 'user@parley.internal']) {
      expect(() => createApp({ workflows: [echo], allowedHosts: [entry] }), entry).toThrow(/must be a host name or address/)
    }
  })

  it('refuses it over real HTTP too: the Host header a browser sends after rebinding', async () => {
    open()
    const server = await serve(app, { port: 0 })
    try {
      const get = (host: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest(`${server.url}/v1/workflows`, { headers: { host } }, (res) => {
            let text = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => {
              text += chunk
            })
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
          })
          req.on('error', reject)
          req.end()
        })
      const rebound = await get(`attacker.example:${server.port}`)
      expect(rebound.status).toBe(421)
      expect(JSON.parse(rebound.body)).toMatchObject({ code: 'host_not_allowed' })
      expect((await get(`localhost:${server.port}`)).status).toBe(200)
    } finally {
      await server.close()
    }
  })
})

describe('auth on: no Host check (the keys protect the server)', () => {
  it('answers any Host with a valid key', async () => {
    open({ auth: { apiKeys: { [KEY]: 'alice' } } })
    const page = await send(app, 'GET', '/v1/workflows', { key: KEY, headers: { host: 'parley.example.com' } })
    expect(page.status).toBe(200)
    const health = await send(app, 'GET', '/healthz', { headers: { host: 'parley.example.com' } })
    expect(health.status).toBe(200)
    const docs = await send(app, 'GET', '/docs', { headers: { host: 'parley.example.com' } })
    expect(docs.status).toBe(200)
  })

  it('answers any Host with an authenticate hook', async () => {
    open({ auth: { authenticate: (request) => request.headers.get('x-user') } })
    const page = await send(app, 'GET', '/v1/workflows', { headers: { host: 'parley.example.com', 'x-user': 'alice' } })
    expect(page.status).toBe(200)
  })
})
