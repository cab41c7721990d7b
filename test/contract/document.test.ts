import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { loadConfig } from '../../src/config.ts'
import * as examples from '../../src/examples/index.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { ContractViolation, checkResponse, schemaErrors } from '../support/contract.ts'

/** The committed contract read as a third-party tool reads it. */
interface Media {
  schema?: unknown
  example?: unknown
}
interface Parameter {
  name: string
  description?: string
  example?: unknown
}
interface Operation {
  operationId: string
  description?: string
  security?: unknown[]
  parameters?: Parameter[]
  requestBody?: { content: Record<string, Media> }
  responses: Record<string, { $ref?: string; content?: Record<string, Media> }>
}
const document = JSON.parse(readFileSync(new URL('../../openapi/v1.json', import.meta.url), 'utf8')) as {
  servers: { url: string }[]
  info: { license: { identifier?: string } }
  paths: Record<string, Record<string, Operation>>
  components: { responses: Record<string, { content: Record<string, Media> }> }
}
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
)

describe('the committed document', () => {
  it('says where the server is (relative), under which license, and what every operation and parameter is', () => {
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }])
    expect(document.info.license.identifier).toBe('MIT')
    for (const { operation } of operations) {
      expect(operation.description, operation.operationId).toBeTruthy()
      for (const parameter of operation.parameters ?? [])
        expect(parameter.description, `${operation.operationId} ${parameter.name}`).toBeTruthy()
    }
  })

  it('has an example for every request body, parameter and response, each valid against its schema', () => {
    let checked = 0
    const check = (where: string, tokens: string[], media: Media | undefined) => {
      expect(media?.example, `${where}: no example`).toBeDefined()
      expect(schemaErrors(tokens, media?.example), where).toBeNull()
      checked++
    }
    for (const { path, method, operation } of operations) {
      const at = ['paths', path, method]
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        check(`${operation.operationId} request`, [...at, 'requestBody', 'content', type, 'schema'], media)
      }
      for (const [index, parameter] of (operation.parameters ?? []).entries()) {
        expect(parameter.example, `${operation.operationId} ${parameter.name}`).toBeDefined()
        expect(schemaErrors([...at, 'parameters', String(index), 'schema'], parameter.example)).toBeNull()
        checked++
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.$ref) continue
        for (const [type, media] of Object.entries(response.content ?? {})) {
          check(`${operation.operationId} ${status}`, [...at, 'responses', status, 'content', type, 'schema'], media)
        }
      }
    }
    for (const [name, response] of Object.entries(document.components.responses)) {
      for (const [type, media] of Object.entries(response.content))
        check(name, ['components', 'responses', name, 'content', type, 'schema'], media)
    }
    expect(checked).toBeGreaterThan(50)
  })

  it('marks getHealth public, every other operation under the API key scheme', () => {
    for (const { operation } of operations) {
      if (operation.operationId === 'getHealth') expect(operation.security).toEqual([])
      else expect(operation.security).toBeUndefined()
    }
  })
})

describe('the examples of a server with other workflows', () => {
  it('give createRun an example body that starts a run of one of them', async () => {
    const bake = defineWorkflow({
      name: 'bake',
      description: 'Bakes what it is told',
      params: z.object({ thing: z.string() }).meta({ examples: [{ thing: 'a cake' }] }),
      run: async (_ui, params) => params.thing,
    })
    const app = createApp({ workflows: [bake] })
    const served = await (await app.request('/openapi.json')).json()
    const example = served.paths['/v1/runs'].post.requestBody.content['application/json'].example
    expect(example).toEqual({ workflow: 'bake', params: { thing: 'a cake' } })
    const typedExample = served.paths['/v1/workflows/bake/runs'].post.requestBody.content['application/json'].example
    expect(typedExample).toEqual({ params: { thing: 'a cake' } })
    const created = await app.request('/v1/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(example),
    })
    expect(created.status).toBe(201)
    await app.close()
  })
})

describe('servers', () => {
  it('names PARLEY_PUBLIC_URL when it is set, and refuses one that is not an http(s) URL', async () => {
    const publicUrl = loadConfig({ PARLEY_PUBLIC_URL: 'https://agents.example.com/parley/' }).publicUrl
    expect(publicUrl).toBe('https://agents.example.com/parley')
    const app = createApp({ workflows: examples, publicUrl })
    const served = await (await app.request('/openapi.json')).json()
    expect(served.servers).toEqual([{ url: 'https://agents.example.com/parley', description: 'This server' }])
    await app.close()
    expect(() => loadConfig({ PARLEY_PUBLIC_URL: 'agents.example.com' })).toThrow(/PARLEY_PUBLIC_URL must be a URL/)
    expect(() => loadConfig({ PARLEY_PUBLIC_URL: 'ftp://agents.example.com' })).toThrow(/http or https/)
  })
})

describe('the contract checker the other tests rely on', () => {
  const run = JSON.stringify(document.paths['/v1/runs']?.post?.responses['201']?.content?.['application/json']?.example)
  const created = (headers: Record<string, string>) =>
    new Response(run, { status: 201, headers: { 'content-type': 'application/json', ...headers } })

  it('passes a documented response with its documented headers', async () => {
    await expect(checkResponse('POST', '/v1/runs', created({ location: '/v1/runs/x' }))).resolves.toBeDefined()
  })

  it('fails a header the document does not list, and a documented required header that is missing', async () => {
    await expect(checkResponse('POST', '/v1/runs', created({ location: '/v1/runs/x', 'x-debug': '1' }))).rejects.toThrow(ContractViolation)
    await expect(checkResponse('POST', '/v1/runs', created({}))).rejects.toThrow(/"location" is missing/)
    const unauthorized = new Response(
      JSON.stringify(document.components.responses.Unauthorized?.content['application/problem+json']?.example),
      {
        status: 401,
        headers: { 'content-type': 'application/problem+json' },
      },
    )
    await expect(checkResponse('GET', '/v1/runs', unauthorized)).rejects.toThrow(/"www-authenticate" is missing/)
  })
})
