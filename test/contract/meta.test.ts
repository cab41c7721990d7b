import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as examples from '../../src/examples/index.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { serve } from '../../src/server.ts'
import { ContractViolation, call, checkResponse, documentedOperationIds } from '../support/contract.ts'
import { CONTRACT_STORE, contractStore } from '../support/contract-store.ts'

let app: ParleyApp
beforeEach(() => {
  app = createApp({ workflows: examples, ...contractStore() })
})
afterEach(async () => {
  await app.close()
})

describe('getHealth', () => {
  it('returns 200 with the store kind and the number of workflows', async () => {
    const health = await call(app, 'GET', '/healthz')
    expect(health.status).toBe(200)
    expect(health.body).toMatchObject({
      status: 'ok',
      store: CONTRACT_STORE,
      workflows: Object.keys(examples).length,
      executing_runs: 0,
      held_polls: 0,
    })
  })
})

describe('the document and the docs', () => {
  it('serves at /openapi.json exactly the committed openapi/v1.json', async () => {
    const served = await call(app, 'GET', '/openapi.json')
    expect(served.status).toBe(200)
    const committed = JSON.parse(readFileSync(new URL('../../openapi/v1.json', import.meta.url), 'utf8'))
    expect(served.body).toEqual(committed)
  })

  it('serves Swagger UI at /docs from this origin alone, with the security headers of /', async () => {
    const docs = await call(app, 'GET', '/docs')
    expect(docs.status).toBe(200)
    expectPageSecurityHeaders(docs.headers)
    const html = String(docs.body)
    for (const [, url] of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) expect(url, 'same origin (or data:)').toMatch(/^(\/(?!\/)|data:)/)

    const assets = [...html.matchAll(/<(?:script src|link rel="stylesheet" href)="([^"]+)"/g)].map(([, url]) => url ?? '')
    expect(assets.map((url) => url.replace(/\?.*/, ''))).toEqual([
      '/docs/swagger-ui.css',
      '/docs/swagger-ui-bundle.js',
      '/docs/swagger-initializer.js',
    ])
    for (const url of assets) {
      const asset = await call(app, 'GET', url)
      expect(asset.status, url).toBe(200)
      expect(asset.headers.get('content-type'), url).toBe(
        url.includes('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      )
      expect(asset.headers.get('cache-control'), url).toContain('immutable')
      expectPageSecurityHeaders(asset.headers)
    }
    expect((await call(app, 'GET', '/docs/swagger-initializer.js')).body).toContain('"url":"/openapi.json"')
  })

  it('serves a page at / that links to the docs', async () => {
    const page = await call(app, 'GET', '/')
    expect(page.status).toBe(200)
    expect(page.body).toContain('/docs')
  })
})

/** What `/` (the web UI) sends too: src/http/security-headers.ts. */
function expectPageSecurityHeaders(headers: Headers): void {
  expect(headers.get('content-security-policy')).toMatch(/^default-src 'none'; .*script-src 'self';.*frame-ancestors 'none'$/)
  expect(headers.get('content-security-policy')).not.toContain('unsafe')
  expect(headers.get('x-content-type-options')).toBe('nosniff')
  expect(headers.get('referrer-policy')).toBe('no-referrer')
}

describe('the binding names', () => {
  it('has every operationId PRODUCT.md names, and one typed create operation per workflow', () => {
    const ids = documentedOperationIds()
    for (const id of ['listWorkflows', 'getWorkflow', 'createRun', 'listRuns', 'getRun', 'cancelRun', 'listMessages', 'replyToQuestion']) {
      expect(ids).toContain(id)
    }
    expect(ids).toContain('createGreetRun')
    expect(ids).toContain('createPickToppingsRun')
  })

  it('has every message type as a named schema in the Message union, discriminated on type', () => {
    const document = JSON.parse(readFileSync(new URL('../../openapi/v1.json', import.meta.url), 'utf8'))
    const message = document.components.schemas.Message
    const mapping: Record<string, string> = message.discriminator.mapping
    expect(Object.keys(mapping)).toEqual([
      'workflow_started',
      'text_message',
      'system_message',
      'suggested_function_call',
      'function_call_execution',
      'text_input',
      'multiple_choice',
      'reply',
      'error',
      'workflow_completed',
    ])
    for (const [type, ref] of Object.entries(mapping)) {
      expect(message.oneOf).toContainEqual({ $ref: ref })
      expect(document.components.schemas[ref.split('/').at(-1) ?? ''].properties.type.enum).toEqual([type])
    }
    expect(message.discriminator.propertyName).toBe('type')
  })
})

describe('requests outside the contract', () => {
  it('returns a 404 route_not_found problem for an unknown route', async () => {
    for (const path of ['/v1/nope', '/v2/runs', '/v1/workflows/greet/runs/extra']) {
      const missing = await call(app, 'GET', path)
      expect(missing.status, path).toBe(404)
      expect(missing.headers.get('content-type')).toBe('application/problem+json')
      expect(missing.body.code).toBe('route_not_found')
    }
  })

  it('returns a 404 problem for the per-workflow endpoint of a workflow that does not exist', async () => {
    const missing = await call(app, 'POST', '/v1/workflows/no_such_workflow/runs', { body: {} })
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('route_not_found')
  })

  it('answers HEAD like GET, without a body', async () => {
    const head = await call(app, 'HEAD', '/v1/workflows')
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toMatch(/^application\/json/)
  })

  it('returns a 405 method_not_allowed problem naming the allowed methods', async () => {
    const wrong = await call(app, 'DELETE', '/v1/runs')
    expect(wrong.status).toBe(405)
    expect(wrong.body.code).toBe('method_not_allowed')
    expect(wrong.headers.get('allow')).toContain('GET')
  })

  it('says which methods a path takes, over HTTP too, HEAD included, and a 404 where none does', async () => {
    const server = await serve(app, { port: 0 })
    try {
      for (const [method, path, allow] of [
        ['HEAD', '/v1/workflows/greet/runs', 'POST'],
        ['PUT', '/v1/runs/some-run/messages', 'GET, HEAD'],
        ['DELETE', '/v1/runs', 'GET, HEAD, POST'],
      ] as const) {
        const wrong = await call(server.url, method, path)
        expect(wrong.status, `${method} ${path}`).toBe(405)
        const allowed = wrong.headers.get('allow')?.split(', ').sort().join(', ')
        expect(allowed, `${method} ${path}`).toBe(allow)
        if (method !== 'HEAD') expect(wrong.body.code).toBe('method_not_allowed')
      }
      const nowhere = await call(server.url, 'PUT', '/v1/nope')
      expect(nowhere.status).toBe(404)
      expect(nowhere.headers.get('allow')).toBeNull()
    } finally {
      await server.close()
    }
  })
})

describe('the contract check itself', () => {
  it('fails a response whose status the operation does not document', async () => {
    const teapot = new Response(JSON.stringify({ status: 418 }), { status: 418, headers: { 'content-type': 'application/json' } })
    await expect(checkResponse('GET', '/v1/workflows', teapot)).rejects.toThrow(ContractViolation)
  })

  it('fails a body that does not match the documented schema', async () => {
    const wrong = new Response(JSON.stringify({ workflows: [{ name: 1 }] }), { headers: { 'content-type': 'application/json' } })
    await expect(checkResponse('GET', '/v1/workflows', wrong)).rejects.toThrow(/does not match/)
  })

  it('fails an error sent as application/json instead of problem+json', async () => {
    const problem = { type: 'urn:x', title: 'x', status: 404, detail: 'x', code: 'run_not_found' }
    const wrong = new Response(JSON.stringify(problem), { status: 404, headers: { 'content-type': 'application/json' } })
    await expect(checkResponse('GET', '/v1/runs/abc', wrong)).rejects.toThrow(/content type/)
  })
})
