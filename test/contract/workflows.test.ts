import { afterEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet, pick_toppings } from '../../src/examples/questions.ts'
import type { CreateAppOptions, ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { call } from '../support/contract.ts'
import { fieldsOf, listMessages } from '../support/contract-runs.ts'
import { contractStore } from '../support/contract-store.ts'

let app: ParleyApp | undefined
function appWith(limits?: CreateAppOptions['limits']): ParleyApp {
  app = createApp({ workflows: [echo, greet, pick_toppings], limits, ...contractStore() })
  return app
}
afterEach(async () => {
  await app?.close()
  app = undefined
})

describe('listWorkflows (GET /v1/workflows)', () => {
  it('lists every workflow with its description, params JSON Schema and typed runs path', async () => {
    const list = await call(appWith(), 'GET', '/v1/workflows')
    expect(list.status).toBe(200)
    expect(list.body.workflows.map((workflow: { name: string }) => workflow.name)).toEqual(['echo', 'greet', 'pick_toppings'])
    const greetInfo = list.body.workflows[1]
    expect(greetInfo).toMatchObject({ description: greet.description, runs_path: '/v1/workflows/greet/runs' })
    expect(greetInfo.params_schema).toMatchObject({ type: 'object', properties: { greeting: { type: 'string', default: 'Hello' } } })
    // Defaulted params are optional to send.
    expect(greetInfo.params_schema.required ?? []).not.toContain('greeting')
  })
})

describe('getWorkflow (GET /v1/workflows/{workflow_name})', () => {
  it('returns 200 with the workflow', async () => {
    const one = await call(appWith(), 'GET', '/v1/workflows/pick_toppings')
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({ name: 'pick_toppings', description: pick_toppings.description })
    expect(one.body.params_schema.properties.choices).toMatchObject({ type: 'array', minItems: 1 })
  })

  it('returns 404 workflow_not_found for an unknown name', async () => {
    const missing = await call(appWith(), 'GET', '/v1/workflows/nope')
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('workflow_not_found')
  })
})

describe('the per-workflow endpoint (POST /v1/workflows/{name}/runs)', () => {
  it('returns 201 with a run of that workflow, params defaulted', async () => {
    const app = appWith()
    const created = await call(app, 'POST', '/v1/workflows/greet/runs', { body: {} })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ workflow: 'greet', params: { greeting: 'Hello' } })
    const first = await listMessages(app, created.body.id, 'limit=1&wait=5')
    expect(first.body.messages[0].content).toMatchObject({ name: 'greet', params: { greeting: 'Hello' } })
  })

  it('returns 201 with the params as sent', async () => {
    const created = await call(appWith(), 'POST', '/v1/workflows/echo/runs', { body: { params: { text: 'typed' } } })
    expect(created.status).toBe(201)
    expect(created.body.params).toEqual({ text: 'typed' })
  })

  it('returns 422 naming body.params.<name> for an invalid param', async () => {
    const app = appWith()
    const wrongType = await call(app, 'POST', '/v1/workflows/greet/runs', { body: { params: { greeting: 7 } } })
    expect(wrongType.status).toBe(422)
    expect(fieldsOf(wrongType.body)).toEqual(['body.params.greeting'])
    const tooFew = await call(app, 'POST', '/v1/workflows/pick_toppings/runs', { body: { params: { choices: [] } } })
    expect(tooFew.status).toBe(422)
    expect(fieldsOf(tooFew.body)).toEqual(['body.params.choices'])
  })

  it('returns 400, 415 and 413 for a malformed, non-JSON or oversized body', async () => {
    const app = appWith({ maxBodyBytes: 256 })
    const malformed = await call(app, 'POST', '/v1/workflows/echo/runs', { body: '{"params":' })
    expect([malformed.status, malformed.body.code]).toEqual([400, 'malformed_json'])
    const text = await call(app, 'POST', '/v1/workflows/echo/runs', { body: 'hello', headers: { 'content-type': 'text/plain' } })
    expect([text.status, text.body.code]).toEqual([415, 'unsupported_media_type'])
    const big = await call(app, 'POST', '/v1/workflows/echo/runs', { body: { params: { text: 'x'.repeat(300) } } })
    expect([big.status, big.body.code]).toEqual([413, 'payload_too_large'])
  })
})
