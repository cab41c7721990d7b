import { afterEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { call } from '../support/contract.ts'

let app: ParleyApp
afterEach(async () => {
  await app?.close()
})

describe('/healthz', () => {
  it('with API keys, says only status, store and workflows: nothing about runs or polls', async () => {
    app = createApp({ workflows: [echo], auth: { apiKeys: { 'key-alice-0123456789': 'alice' } } })
    const health = await call(app, 'GET', '/healthz')
    expect(health.status).toBe(200)
    expect(health.body).toEqual({ status: 'ok', store: 'memory', workflows: 1 })
  })

  it('with an authenticate hook, says as little', async () => {
    app = createApp({ workflows: [echo], auth: { authenticate: () => 'alice' } })
    const health = await call(app, 'GET', '/healthz')
    expect(Object.keys(health.body as object).sort()).toEqual(['status', 'store', 'workflows'])
  })

  it('with auth off, adds the load figures of this process', async () => {
    app = createApp({ workflows: [echo] })
    const health = await call(app, 'GET', '/healthz')
    expect(health.body).toEqual({ status: 'ok', store: 'memory', workflows: 1, executing_runs: 0, held_polls: 0 })
  })
})
