import { Agent, request as httpRequest } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import * as examples from '../../src/examples/index.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { mountWebUI } from '../../src/http/web-ui.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import { pendingQuestion, send } from '../support/app-requests.ts'
import { checkResponse } from '../support/contract.ts'
import type { FuzzContext, FuzzRequest } from './fuzz-requests.ts'
import { bodyBytes, fuzzRequests, specOperations } from './fuzz-requests.ts'

/**
 * The spec-driven fuzz test: requests generated from the committed openapi/v1.json (valid ones
 * and mutations of them, fuzz-requests.ts) with a fixed seed, sent to a real server on loopback
 * with API keys on. The rules: no 5xx, every 4xx a problem+json with a `code`, every response
 * what the document says (test/support/contract.ts). The figures are printed.
 */

/** Fixed: the same requests on every run, so a failure here is reproducible. */
const SEED = 20_261_127
const REQUESTS = 2400
/** Requests in flight at once. */
const CONCURRENCY = 6
const ALICE_KEY = 'fuzz-alice-key-0123456789abcdef'
const BOB_KEY = 'fuzz-bob-key-0123456789abcdef01'

interface Received {
  status: number
  headers: Headers
  body: Buffer
}

interface Finding {
  request: FuzzRequest
  what: string
  status?: number
  response?: string
}

let app: ParleyApp
let server: RunningServer
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

beforeAll(async () => {
  // The agents' examples talk to the built-in offline model, never to a real endpoint.
  vi.stubEnv('OPENAI_API_KEY', '')
  vi.stubEnv('OPENAI_BASE_URL', '')
  app = createApp({
    workflows: examples,
    store: createMemoryStore(),
    auth: { apiKeys: { [ALICE_KEY]: 'alice', [BOB_KEY]: 'bob' } },
    // No rate on starting runs (its own test is elsewhere): past it every create would be a 429,
    // and the fuzz is after what the handlers behind it do with what they are sent.
    limits: { runsPerMinute: 0 },
    mountUI: mountWebUI,
  })
  server = await serve(app, { port: 0 })
})
afterAll(async () => {
  agent.destroy()
  await server?.close()
  vi.unstubAllEnvs()
})

/** Runs of both users, some waiting on a question, some finished, so generated ids reach the handlers. */
async function createRuns(): Promise<FuzzContext> {
  const start = async (key: string, workflow: string, params: Record<string, unknown> = {}) => {
    const created = await send(app, 'POST', '/v1/runs', { key, body: { workflow, params } })
    if (created.status !== 201) throw new Error(`createRun ${workflow}: ${created.status} ${JSON.stringify(created.body)}`)
    return created.body.id as string
  }
  const waiting = [
    ...(await Promise.all(Array.from({ length: 6 }, () => start(ALICE_KEY, 'greet')))),
    await start(ALICE_KEY, 'pick_toppings'),
    await start(ALICE_KEY, 'approval'),
  ]
  const others = [await start(ALICE_KEY, 'echo', { text: 'fuzz' }), await start(ALICE_KEY, 'ticker', { count: 3, interval_ms: 50 })]
  const questions = await Promise.all(
    waiting.map(async (runId) => ({ runId, questionId: (await pendingQuestion(app, runId, { key: ALICE_KEY })).id as string })),
  )
  return {
    workflows: Object.values(examples).map((workflow) => workflow.name),
    runIds: [...waiting, ...others],
    otherUsersRunIds: [await start(BOB_KEY, 'greet'), await start(BOB_KEY, 'echo', { text: 'bob' })],
    questions,
    key: ALICE_KEY,
    otherKey: BOB_KEY,
  }
}

/** Sends one request as generated (any method, raw bytes, chunked or not) over HTTP/1.1. */
function sendRaw(request: FuzzRequest): Promise<Received> {
  const { hostname, port } = new URL(server.url)
  const body = request.body ? bodyBytes(request.body) : undefined
  const headers: Record<string, string | number> = { ...request.headers }
  if (body && !request.chunked) headers['content-length'] = body.length
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, method: request.method, path: request.path, headers, agent }, (response) => {
      const chunks: Buffer[] = []
      const finish = () => {
        const received = new Headers()
        for (const [name, value] of Object.entries(response.headers)) {
          for (const one of Array.isArray(value) ? value : [value ?? '']) received.append(name, one)
        }
        resolve({ status: response.statusCode ?? 0, headers: received, body: Buffer.concat(chunks) })
      }
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', finish)
      response.on('error', reject)
      if (String(response.headers['content-type']).startsWith('text/event-stream')) {
        // The event stream of a run still going does not end: its first moments will do (the
        // contract checks its status and headers), then the client goes away, as clients do.
        setTimeout(() => {
          finish()
          outgoing.destroy()
        }, 200)
      }
    })
    // A server that answers early (a 413) may close before the whole body is written; the answer still counts.
    outgoing.on('error', reject)
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no answer within 30 s')))
    if (body && request.chunked) {
      outgoing.write(body.subarray(0, Math.ceil(body.length / 2)))
      outgoing.end(body.subarray(Math.ceil(body.length / 2)))
    } else outgoing.end(body)
  })
}

/** What is wrong with the answer to `request`, by the fuzz test's rules; empty when nothing is. */
async function judge(request: FuzzRequest, received: Received): Promise<string[]> {
  const problems: string[] = []
  const type = received.headers.get('content-type') ?? ''
  if (received.status >= 500) problems.push(`5xx: ${received.status}`)
  if (received.status >= 400 && received.status < 500) {
    if (!/^application\/problem\+json\b/.test(type)) problems.push(`4xx without problem+json: ${received.status} "${type}"`)
    else if (request.method !== 'HEAD') {
      const code = parseJson(received.body.toString('utf8'))?.code
      if (typeof code !== 'string' || code === '') problems.push(`4xx problem without a code: ${received.status}`)
    }
  }
  const bodiless = request.method === 'HEAD' || [204, 205, 304].includes(received.status)
  const response = new Response(bodiless ? null : new Uint8Array(received.body), { status: received.status, headers: received.headers })
  try {
    await checkResponse(request.method, `${server.url}${request.path}`, response)
  } catch (error) {
    problems.push(`contract: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
  }
  return problems
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** `requests` sent `CONCURRENCY` at a time; calls `each` with every answer (or the error instead of one). */
async function sendAll(requests: FuzzRequest[], each: (request: FuzzRequest, outcome: Received | Error) => Promise<void>): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < requests.length) {
      const request = requests[next++] as FuzzRequest
      const outcome = await sendRaw(request).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
      await each(request, outcome)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, lane))
}

/** A request as a reader reproduces it: method, path, headers (long values cut), body (cut). */
function describeRequest(request: FuzzRequest): string {
  const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text)
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${cut(value, 80)}`)
  const body = request.body ? cut(bodyBytes(request.body).toString('utf8'), 300) : ''
  return [`${request.method} ${cut(request.path, 200)}`, ...headers, ...(request.chunked ? ['(chunked)'] : []), body].join('\n    ')
}

function table(title: string, rows: Map<string, Map<string, number>>): string {
  const lines = [...rows].map(([name, counts]) => {
    const total = [...counts.values()].reduce((sum, count) => sum + count, 0)
    const detail = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key}×${count}`)
    return `  ${name.padEnd(28)} ${String(total).padStart(5)}  ${detail.join(' ')}`
  })
  return [title, ...lines.sort()].join('\n')
}

function count(rows: Map<string, Map<string, number>>, row: string, column: string): void {
  const counts = rows.get(row) ?? new Map<string, number>()
  counts.set(column, (counts.get(column) ?? 0) + 1)
  rows.set(row, counts)
}

describe('spec-driven fuzz', () => {
  it(`answers ${REQUESTS} generated requests over every operation (seed ${SEED}) with no 5xx, a coded problem for every 4xx, and the documented contract`, async () => {
    const context = await createRuns()
    const operations = specOperations()
    const requests = fc.sample(fuzzRequests(operations, context), { seed: SEED, numRuns: REQUESTS })

    const statuses = new Map<string, Map<string, number>>()
    const mutations = new Map<string, Map<string, number>>()
    const findings: Finding[] = []
    const started = Date.now()
    await sendAll(requests, async (request, outcome) => {
      count(
        mutations,
        request.mutation.split('+')[0] ?? '',
        request.mutation.includes('+') ? (request.mutation.split('+')[1] ?? '') : 'key',
      )
      if (outcome instanceof Error) {
        count(statuses, request.operationId, 'no answer')
        findings.push({ request, what: `no answer: ${outcome.message}` })
        return
      }
      count(statuses, request.operationId, String(outcome.status))
      for (const what of await judge(request, outcome)) {
        findings.push({ request, what, status: outcome.status, response: outcome.body.toString('utf8').slice(0, 400) })
      }
    })
    const seconds = ((Date.now() - started) / 1000).toFixed(1)

    // One example of each kind of finding (the rule broken, the mutation), with how often and where.
    const kinds = new Map<string, { example: Finding; times: number; operations: Set<string> }>()
    for (const finding of findings) {
      const rule = finding.what
        .replace(/^contract: \S+ \S+ → /, 'contract: ')
        .replace(/ \(documented: .*$/, '')
        .slice(0, 160)
      const kind = `${rule.replace(/ for \w+$/, '')} · ${finding.request.mutation.split('+')[0]}`
      const seen = kinds.get(kind) ?? { example: finding, times: 0, operations: new Set<string>() }
      seen.times += 1
      seen.operations.add(finding.request.operationId)
      kinds.set(kind, seen)
    }
    const report = [...kinds].map(
      ([kind, { example, times, operations }]) =>
        `× ${times} ${kind} (${[...operations].join(', ')})\n    e.g. ${describeRequest(example.request)}\n    → ${example.status ?? ''} ${example.response ?? ''}`,
    )
    console.log(
      [
        `spec-driven fuzz: ${requests.length} requests (seed ${SEED}) in ${seconds} s, ${findings.length} finding(s)`,
        table('requests per operation, by status:', statuses),
        table('mutations, by credentials:', mutations),
        ...report,
      ].join('\n'),
    )

    expect(requests.length).toBeGreaterThanOrEqual(2000)
    for (const operation of operations) expect(statuses.get(operation.operationId)?.size ?? 0, operation.operationId).toBeGreaterThan(0)
    for (const operation of operations) {
      const total = [...(statuses.get(operation.operationId)?.values() ?? [])].reduce((sum, n) => sum + n, 0)
      expect(total, `${operation.operationId}: requests`).toBeGreaterThanOrEqual(20)
    }
    expect(report, 'findings (request → response)').toEqual([])
    // Still serving after all that.
    const health = await send(app, 'GET', '/healthz')
    expect(health.status).toBe(200)
  }, 240_000)
})
