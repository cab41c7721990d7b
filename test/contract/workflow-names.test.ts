import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { greet } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import type { Workflow } from '../../src/runtime/define-workflow.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { send } from '../support/app-requests.ts'

/** A workflow taking one required param named after itself, so each one's documented params are told apart. */
function named(name: string): Workflow {
  return defineWorkflow({
    name,
    description: `The ${name} workflow`,
    params: z.object({ [`${name}_param`]: z.string() }),
    run: async () => name,
  })
}

interface Document {
  paths: Record<string, Record<string, { operationId: string; requestBody?: { content: Record<string, { schema: { $ref: string } }> } }>>
  components: { schemas: Record<string, { required?: string[]; properties: Record<string, { required?: string[] }> }> }
}

let app: ParleyApp | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

// Names a user could well choose that were built-in component or operation names once.
const ORDINARY = ['create', 'run', 'message', 'problem', 'workflow', 'v1']

describe('workflow names in the contract', () => {
  it('gives every workflow its own operation and request type, and leaves the built-in ones as they are', async () => {
    app = createApp({ workflows: [greet, ...ORDINARY.map(named)] })
    const document = app.openapi() as unknown as Document

    const operationIds = Object.values(document.paths).flatMap((item) => Object.values(item).map((operation) => operation.operationId))
    expect(new Set(operationIds).size).toBe(operationIds.length)
    expect(operationIds).toEqual(
      expect.arrayContaining(['createRun', 'createCreateRun', 'createRunRun', 'createMessageRun', 'createV1Run']),
    )

    const schemas = document.components.schemas
    expect(schemas.CreateRunRequest?.required).toEqual(['workflow'])
    expect(Object.keys(schemas.CreateRunRequest?.properties ?? {})).toEqual(['workflow', 'params'])
    expect(schemas.Problem?.required).toContain('code')
    expect(schemas.Message).toBeDefined()
    for (const name of ORDINARY) {
      const operation = document.paths[`/v1/workflows/${name}/runs`]?.post
      const ref = operation?.requestBody?.content['application/json']?.schema.$ref ?? ''
      const component = ref.replace('#/components/schemas/', '')
      expect(component).toMatch(/^Create[A-Z]\w*RunRequest$/)
      expect(schemas[component]?.properties.params?.required).toEqual([`${name}_param`])
    }
  })

  it('serves each of them, the generic create included', async () => {
    app = createApp({ workflows: ORDINARY.map(named) })
    const generic = await send(app, 'POST', '/v1/runs', { body: { workflow: 'create', params: { create_param: 'x' } } })
    expect(generic.status).toBe(201)
    const typed = await send(app, 'POST', '/v1/workflows/run/runs', { body: { params: { run_param: 'y' } } })
    expect(typed.status).toBe(201)
    expect(typed.body).toMatchObject({ workflow: 'run', params: { run_param: 'y' } })
    const missing = await send(app, 'POST', '/v1/workflows/problem/runs', { body: {} })
    expect(missing.status).toBe(422)
    expect(missing.body.errors).toEqual([{ field: 'body.params', message: expect.any(String) }])
  })

  it('refuses two workflows that would share an operation and a type, naming both', () => {
    expect(() => createApp({ workflows: [named('v1'), named('v_1')] })).toThrow(
      'workflows "v1" and "v_1" would share the operation createV1Run and the type CreateV1RunRequest in the contract: rename one',
    )
  })

  it('refuses a name that is not snake_case, at definition and at registration', () => {
    for (const name of ['V1', 'a__b', '_a', 'a_', '1a', 'a-b', 'a b', 'x'.repeat(65)]) {
      expect(() => named(name), name).toThrow(/must be snake_case/)
      const handMade = { ...greet, name }
      expect(() => createApp({ workflows: [handMade] }), name).toThrow(/must be snake_case/)
    }
    expect(() => named(`a${'_1'.repeat(31)}`)).not.toThrow()
  })
})
