import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import type { CreateAppOptions, ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { call } from '../support/contract.ts'
import { fieldsOf, listMessages, readLog } from '../support/contract-runs.ts'
import { contractStore } from '../support/contract-store.ts'

let app: ParleyApp | undefined
function appWith(limits?: CreateAppOptions['limits']): ParleyApp {
  app = createApp({ workflows: [echo, greet], limits, ...contractStore() })
  return app
}
afterEach(async () => {
  await app?.close()
  app = undefined
})

describe('createRun (POST /v1/runs)', () => {
  it('returns 201 with the run, its Location, and the params validated with defaults applied', async () => {
    const app = appWith()
    const created = await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet' } })
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe(`/v1/runs/${created.body.id}`)
    expect(created.body).toMatchObject({ workflow: 'greet', params: { greeting: 'Hello' }, result: null, error: null, finished_at: null })

    const fetched = await call(app, 'GET', created.headers.get('location') ?? '')
    expect(fetched.status).toBe(200)
    expect(fetched.body.id).toBe(created.body.id)
  })

  it('starts the log with workflow_started carrying the name, description and validated params', async () => {
    const app = appWith()
    const created = await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: 'hi' } } })
    const first = await listMessages(app, created.body.id, 'after=0&limit=1&wait=5')
    expect(first.body.messages[0]).toMatchObject({
      seq: 1,
      type: 'workflow_started',
      run_id: created.body.id,
      content: { name: 'echo', description: echo.description, params: { text: 'hi' } },
    })
  })

  it('returns 404 workflow_not_found for an unknown workflow', async () => {
    const missing = await call(appWith(), 'POST', '/v1/runs', { body: { workflow: 'nope' } })
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('workflow_not_found')
  })

  it('returns 422 naming each invalid param as body.params.<name>', async () => {
    const invalid = await call(appWith(), 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: 42 } } })
    expect(invalid.status).toBe(422)
    expect(invalid.body.code).toBe('validation_failed')
    expect(fieldsOf(invalid.body)).toEqual(['body.params.text'])
  })

  it('returns 422 naming body.workflow when it is missing, and body.params when it is not an object', async () => {
    const app = appWith()
    const noWorkflow = await call(app, 'POST', '/v1/runs', { body: { params: {} } })
    expect(noWorkflow.status).toBe(422)
    expect(fieldsOf(noWorkflow.body)).toContain('body.workflow')
    const listParams = await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: [1] } })
    expect(listParams.status).toBe(422)
    expect(fieldsOf(listParams.body)).toContain('body.params')
  })

  it('returns 422 naming a misspelt param, on both create operations, instead of running with the default', async () => {
    const app = appWith()
    const generic = await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet', params: { greetin: 'Hi' } } })
    expect(generic.status).toBe(422)
    expect(fieldsOf(generic.body)).toEqual(['body.params.greetin'])
    const typed = await call(app, 'POST', '/v1/workflows/greet/runs', { body: { params: { greeting: 'Hi', greetin: 'Hi' } } })
    expect(typed.status).toBe(422)
    expect(fieldsOf(typed.body)).toEqual(['body.params.greetin'])
    const topLevel = await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet', parmas: {} } })
    expect(topLevel.status).toBe(422)
    expect(fieldsOf(topLevel.body)).toEqual(['body.parmas'])
    expect((await call(app, 'GET', '/v1/runs')).body.runs).toEqual([])
  })

  it('keeps unknown params when the workflow’s params schema says it takes them (z.looseObject)', async () => {
    const open = defineWorkflow({
      name: 'open_params',
      description: 'Takes any params',
      params: z.looseObject({ known: z.string().default('k') }),
      run: async (_ui, params) => JSON.stringify(params),
    })
    app = createApp({ workflows: [open], ...contractStore() })
    const created = await call(app, 'POST', '/v1/runs', { body: { workflow: 'open_params', params: { extra: 1 } } })
    expect(created.status).toBe(201)
    expect(created.body.params).toEqual({ known: 'k', extra: 1 })
  })

  it('returns 400 malformed_json for a body that does not parse', async () => {
    const malformed = await call(appWith(), 'POST', '/v1/runs', { body: '{"workflow": "echo",' })
    expect(malformed.status).toBe(400)
    expect(malformed.body.code).toBe('malformed_json')
  })

  it('returns 415 unsupported_media_type for a body that is not application/json', async () => {
    const app = appWith()
    const text = await call(app, 'POST', '/v1/runs', { body: 'workflow=echo', headers: { 'content-type': 'text/plain' } })
    expect(text.status).toBe(415)
    expect(text.body.code).toBe('unsupported_media_type')
    const none = await call(app, 'POST', '/v1/runs')
    expect(none.status).toBe(415)
  })

  it('returns 413 payload_too_large for a body over limits.maxBodyBytes', async () => {
    const app = appWith({ maxBodyBytes: 512 })
    const big = await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: 'x'.repeat(600) } } })
    expect(big.status).toBe(413)
    expect(big.body.code).toBe('payload_too_large')
    expect((await call(app, 'GET', '/v1/runs')).body.runs).toEqual([])
  })
})

describe('Idempotency-Key', () => {
  it('returns 200 and the same run when the same request is repeated with the same key', async () => {
    const app = appWith()
    const request = { body: { workflow: 'echo', params: { text: 'once' } }, headers: { 'idempotency-key': 'key-1' } }
    const first = await call(app, 'POST', '/v1/runs', request)
    const again = await call(app, 'POST', '/v1/runs', request)
    expect(first.status).toBe(201)
    expect(again.status).toBe(200)
    expect(again.body.id).toBe(first.body.id)
    expect(again.headers.get('location')).toBe(`/v1/runs/${first.body.id}`)
    await readLog(app, first.body.id)
    expect((await call(app, 'GET', '/v1/runs')).body.runs).toHaveLength(1)
  })

  it('returns 422 idempotency_key_mismatch when the key is reused for other params', async () => {
    const app = appWith()
    const headers = { 'idempotency-key': 'key-2' }
    await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: 'a' } }, headers })
    const reused = await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: 'b' } }, headers })
    expect(reused.status).toBe(422)
    expect(reused.body.code).toBe('idempotency_key_mismatch')
    expect(fieldsOf(reused.body)).toEqual(['header.idempotency-key'])
  })

  it('treats the same key on the per-workflow endpoint as the same request', async () => {
    const app = appWith()
    const headers = { 'idempotency-key': 'key-3' }
    const first = await call(app, 'POST', '/v1/workflows/greet/runs', { body: {}, headers })
    const again = await call(app, 'POST', '/v1/workflows/greet/runs', { body: {}, headers })
    expect([first.status, again.status]).toEqual([201, 200])
    expect(again.body.id).toBe(first.body.id)
  })
})

describe('limits.maxActiveRunsPerUser', () => {
  it('returns 429 too_many_active_runs past the limit, and accepts again once a run is cancelled', async () => {
    const app = appWith({ maxActiveRunsPerUser: 2 })
    const first = await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet' } })
    await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet' } })
    const third = await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet' } })
    expect(third.status).toBe(429)
    expect(third.body.code).toBe('too_many_active_runs')
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0)
    const typed = await call(app, 'POST', '/v1/workflows/greet/runs', { body: {} })
    expect(typed.status).toBe(429)

    expect((await call(app, 'POST', `/v1/runs/${first.body.id}/cancel`)).status).toBe(200)
    expect((await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet' } })).status).toBe(201)
  })
})
