import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import { send } from '../support/app-requests.ts'

/** Params a client could use to crash or confuse the server: deeply nested, or the same in another key order. */

const keep = defineWorkflow({
  name: 'keep',
  description: 'Takes any JSON in `data` and says it back',
  params: z.object({ data: z.unknown(), label: z.string().default('kept') }),
  async run(_ui, params) {
    return params.label
  },
})

/** `[[[…]]]`, `depth` arrays deep, built without recursion and sent as text (JSON.stringify would overflow). */
const nestedText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

let app: ParleyApp
afterEach(async () => {
  await app?.close()
})

describe('deeply nested params', () => {
  it('are 422 naming the field, never a 500, with or without an Idempotency-Key', async () => {
    app = createApp({ workflows: [keep] })
    const body = `{"workflow":"keep","params":{"data":${nestedText(10_000)}}}`
    for (const headers of [{}, { 'idempotency-key': 'deep-1' }] as Record<string, string>[]) {
      for (const path of ['/v1/runs', '/v1/workflows/keep/runs']) {
        const text = path === '/v1/runs' ? body : `{"params":{"data":${nestedText(10_000)}}}`
        const refused = await send(app, 'POST', path, { body: text, headers })
        expect(refused.status, path).toBe(422)
        expect(refused.body.code).toBe('validation_failed')
        expect(refused.body.errors[0].field).toMatch(/^body\.params\.data(\.0)+$/)
        expect(refused.body.errors[0].message).toContain('64 levels')
      }
    }
    expect(app.runs.executingCount).toBe(0)
  })

  it('are taken up to the bound (64 levels, the params object included), and the bound is configurable', async () => {
    app = createApp({ workflows: [keep] })
    const fits = await send(app, 'POST', '/v1/runs', {
      body: `{"workflow":"keep","params":{"data":${nestedText(63)}}}`,
      headers: { 'idempotency-key': 'deep-2' },
    })
    expect(fits.status).toBe(201)
    const over = await send(app, 'POST', '/v1/runs', { body: `{"workflow":"keep","params":{"data":${nestedText(64)}}}` })
    expect(over.status).toBe(422)
    await app.close()
    app = createApp({ workflows: [keep], limits: { maxParamsDepth: 3 } })
    expect((await send(app, 'POST', '/v1/runs', { body: { workflow: 'keep', params: { data: [[[1]]] } } })).status).toBe(422)
    expect((await send(app, 'POST', '/v1/runs', { body: { workflow: 'keep', params: { data: [[1]] } } })).status).toBe(201)
  })
})

describe('the Idempotency-Key fingerprint', () => {
  it('is canonical: the same params with their keys in another order are the same request', async () => {
    app = createApp({ workflows: [keep] })
    const headers = { 'idempotency-key': 'order-1' }
    const first = await send(app, 'POST', '/v1/runs', {
      body: '{"workflow":"keep","params":{"label":"a","data":{"x":1,"y":[{"p":1,"q":2}]}}}',
      headers,
    })
    expect(first.status).toBe(201)
    const reordered = await send(app, 'POST', '/v1/runs', {
      body: '{"params":{"data":{"y":[{"q":2,"p":1}],"x":1},"label":"a"},"workflow":"keep"}',
      headers,
    })
    expect(reordered.status).toBe(200)
    expect(reordered.body.id).toBe(first.body.id)
    const other = await send(app, 'POST', '/v1/runs', { body: '{"workflow":"keep","params":{"label":"a","data":{"x":2}}}', headers })
    expect(other.status).toBe(422)
    expect(other.body.code).toBe('idempotency_key_mismatch')
  })

  it('still matches a run stored with the fingerprint earlier releases kept (the JSON as sent)', async () => {
    const store = createMemoryStore()
    const params = { label: 'b', data: { z: 1, a: 2 } }
    const legacy = createHash('sha256')
      .update(JSON.stringify(['keep', params]))
      .digest('hex')
    const stored = await store.createRun({
      user_id: 'anonymous',
      workflow: 'keep',
      params,
      idempotency_key: 'legacy-1',
      request_hash: legacy,
      max_active_runs: 10,
    })
    if (stored.kind !== 'created') throw new Error(stored.kind)
    app = createApp({ workflows: [keep], store, worker: false })
    const retried = await send(app, 'POST', '/v1/runs', { body: { workflow: 'keep', params }, headers: { 'idempotency-key': 'legacy-1' } })
    expect(retried.status).toBe(200)
    expect(retried.body.id).toBe(stored.run.id)
    const changed = await send(app, 'POST', '/v1/runs', {
      body: { workflow: 'keep', params: { ...params, label: 'c' } },
      headers: { 'idempotency-key': 'legacy-1' },
    })
    expect(changed.status).toBe(422)
  })
})
