import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { REPO } from '../support/cli-process.ts'
import { runCommand } from '../support/run-command.ts'

/**
 * `npm run check:breaking` (scripts/check-breaking.ts, Optic's breaking-changes ruleset) on copies of
 * openapi/v1.json changed the way a careless edit of the schemas would change them.
 */

// Each check starts tsx and Optic, whose rule runner spends ~15 s of CPU on this document: a loaded
// 2-core machine needs a generous bound, never a tight one.
const CHECK_TIMEOUT_MS = 180_000

interface Schema {
  properties?: Record<string, { enum?: string[] } & Record<string, unknown>>
  required?: string[]
}
interface Parameter {
  name: string
  in: string
  required?: boolean
  schema: Record<string, unknown>
}
interface Operation {
  operationId?: string
  parameters?: Parameter[]
  responses?: Record<string, unknown>
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}

/** Runs `npm run check:breaking` with these arguments, to its end; its exit code and all it printed. */
function checkBreaking(args: string[]) {
  return runCommand('npm', ['run', '--silent', 'check:breaking', '--', ...args], { cwd: REPO, timeoutMs: CHECK_TIMEOUT_MS - 10_000 })
}

let dir: string
let current: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-breaking-'))
  current = join(dir, 'current.json')
  await writeFile(current, await readFile(join(REPO, 'openapi/v1.json'), 'utf8'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A copy of the current contract changed by `edit`, written next to it; its path. */
async function changed(name: string, edit: (document: OpenApiDocument) => void): Promise<string> {
  const document = JSON.parse(await readFile(current, 'utf8')) as OpenApiDocument
  edit(document)
  const path = join(dir, `${name}.json`)
  await writeFile(path, JSON.stringify(document, null, 2))
  return path
}

function schema(document: OpenApiDocument, name: string): Schema {
  const found = document.components.schemas[name]
  if (!found) throw new Error(`no schema ${name} in openapi/v1.json`)
  return found
}

function operation(document: OpenApiDocument, operationId: string): Operation {
  const found = Object.values(document.paths)
    .flatMap((item) => Object.values(item))
    .find((candidate) => candidate.operationId === operationId)
  if (!found) throw new Error(`no operation ${operationId} in openapi/v1.json`)
  return found
}

function queryParameter(document: OpenApiDocument, operationId: string, name: string): Parameter {
  const found = operation(document, operationId).parameters?.find((candidate) => candidate.in === 'query' && candidate.name === name)
  if (!found) throw new Error(`no query parameter ${name} on ${operationId}`)
  return found
}

// The contract suite runs once per store (vitest.config.ts); this one reads files only, so once is enough.
describe.skipIf(inject('contractStore') !== 'memory')('npm run check:breaking', () => {
  // One document with every kind of break, each of which must be reported by name: one run of
  // Optic (~15 s of CPU) rather than one per break.
  it(
    'fails, naming each, on a removed response field, a removed operation, a narrowed or newly required param, and a new required request field',
    async () => {
      const head = await changed('breaking', (document) => {
        const run = schema(document, 'Run')
        delete run.properties?.updated_at
        run.required = run.required?.filter((field) => field !== 'updated_at')
        delete document.paths['/v1/runs/{run_id}/cancel']
        queryParameter(document, 'listMessages', 'limit').schema.enum = [10, 100]
        queryParameter(document, 'listMessages', 'after').required = true
        const body = schema(document, 'CreateRunRequest')
        body.properties = { ...body.properties, project: { type: 'string' } }
        body.required = [...(body.required ?? []), 'project']
      })
      const check = await checkBreaking([current, head])
      expect(check.code, check.output).toBe(1)
      expect(check.output).toContain("cannot remove response property 'updated_at'")
      expect(check.output).toContain('POST /v1/runs/{run_id}/cancel: removed')
      expect(check.output).toContain('cannot remove an operation')
      expect(check.output).toContain('cannot add an enum to restrict possible values for query parameter limit')
      expect(check.output).toContain("cannot make optional query parameter 'after' required")
      expect(check.output).toContain("cannot add a required request property 'project'")
      expect(check.output).toContain('breaks the released contract')
    },
    CHECK_TIMEOUT_MS,
  )

  it(
    'passes an additive change: a new optional response field, a new operation and a new problem code',
    async () => {
      const head = await changed('additive', (document) => {
        const run = schema(document, 'Run')
        run.properties = { ...run.properties, labels: { type: 'array', items: { type: 'string' } } }
        document.paths['/v1/labels'] = { get: { operationId: 'listLabels', responses: { 200: { description: 'The labels in use' } } } }
        // The contract tells clients to expect new problem codes; Optic alone would call it a break.
        schema(document, 'Problem').properties?.code?.enum?.push('label_not_found')
      })
      const check = await checkBreaking([current, head])
      expect(check.code, check.output).toBe(0)
      expect(check.output).toContain('new problem codes label_not_found: additive')
      expect(check.output).toContain('GET /v1/labels: added')
      expect(check.output).toContain('no breaking change')
    },
    CHECK_TIMEOUT_MS,
  )

  it(
    'passes on the committed pair: openapi/released/v1.json to openapi/v1.json',
    async () => {
      const check = await checkBreaking([])
      expect(check.code, check.output).toBe(0)
      expect(check.output).toContain('no breaking change from openapi/released/v1.json to openapi/v1.json')
    },
    CHECK_TIMEOUT_MS,
  )
})
