import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { serve } from '../../src/server.ts'
import { drain, pendingQuestion, send } from '../support/app-requests.ts'

let app: ParleyApp
afterEach(async () => {
  await app?.close()
})

/** Field names of a 422's `errors`. */
const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((error) => error.field)

/**
 * A JSON POST sent chunked (no Content-Length), piece by piece; the answer's status and body. The
 * server may answer and close before the last piece (a body over the limit): not an error.
 */
function postChunked(url: string, pieces: readonly (string | Uint8Array)[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      },
    )
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)))
    for (const piece of pieces) req.write(piece)
    req.end()
  })
}

describe('body size', () => {
  it('refuses a body over the limit with 413 problem+json, on every route that takes one', async () => {
    app = createApp({ workflows: [echo, greet], limits: { maxBodyBytes: 1024 } })
    const big = { workflow: 'echo', params: { text: 'x'.repeat(2000) } }
    for (const path of ['/v1/runs', '/v1/workflows/echo/runs', '/v1/runs/any-run/replies']) {
      const refused = await send(app, 'POST', path, { body: big })
      expect(refused.status, path).toBe(413)
      expect(refused.headers.get('content-type')).toBe('application/problem+json')
      expect(refused.body).toMatchObject({ status: 413, code: 'payload_too_large' })
      expect(refused.body.detail).toContain('1024 bytes')
    }
    expect(app.runs.executingCount).toBe(0)
    const small = await send(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: 'fits' } } })
    expect(small.status).toBe(201)
  })

  it('bounds bodies at 1 MiB by default: just under is read, just over is 413', async () => {
    app = createApp({ workflows: [echo] })
    const envelope = JSON.stringify({ workflow: 'echo', params: { text: '' } }).length
    const under = await send(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: 'x'.repeat(1024 * 1024 - envelope) } } })
    // Read and validated: echo's text is at most 10 000 characters.
    expect(under.status).toBe(422)
    expect(fields(under.body)).toEqual(['body.params.text'])
    const over = await send(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: 'x'.repeat(1024 * 1024) } } })
    expect(over.status).toBe(413)
  })

  it('refuses a chunked body (no Content-Length) that grows past the limit, and keeps serving', async () => {
    app = createApp({ workflows: [echo], limits: { maxBodyBytes: 4096 } })
    const server = await serve(app, { port: 0 })
    try {
      const pieces = ['{"workflow":"echo","params":{"text":"', ...Array.from({ length: 10 }, () => 'y'.repeat(1024)), '"}}']
      const { status, body } = await postChunked(`${server.url}/v1/runs`, pieces)
      expect(status).toBe(413)
      expect(JSON.parse(body)).toMatchObject({ code: 'payload_too_large' })
      const health = await fetch(`${server.url}/healthz`)
      expect(health.status).toBe(200)
    } finally {
      await server.close()
    }
  })
})

describe('bodies read over HTTP', () => {
  it('reads a chunked body whose characters are split between chunks, a leading BOM dropped as fetch does', async () => {
    app = createApp({ workflows: [echo] })
    const server = await serve(app, { port: 0 })
    try {
      const text = 'naïve café — 日本語 ✓'
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ workflow: 'echo', params: { text } }))])
      // Three bytes at a time: the BOM alone, then every multi-byte character cut somewhere.
      const pieces = Array.from({ length: Math.ceil(bytes.length / 3) }, (_, index) => bytes.subarray(index * 3, index * 3 + 3))
      const { status, body } = await postChunked(`${server.url}/v1/runs`, pieces)
      expect(status).toBe(201)
      expect(JSON.parse(body).params).toEqual({ text })
    } finally {
      await server.close()
    }
  })
})

describe('long-poll bounds: wait and limit', () => {
  async function finishedRun() {
    const created = await send(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: 'hi' } } })
    await drain(app, created.body.id)
    return created.body.id as string
  }

  it.each([
    ['wait=61', 'query.wait'],
    ['wait=-1', 'query.wait'],
    ['wait=soon', 'query.wait'],
    ['wait=1e9', 'query.wait'],
    ['limit=0', 'query.limit'],
    ['limit=1001', 'query.limit'],
    ['limit=2.5', 'query.limit'],
    ['limit=many', 'query.limit'],
    ['after=-1', 'query.after'],
  ])('answers 422 naming the field for %s', async (query, field) => {
    app = createApp({ workflows: [echo] })
    const runId = await finishedRun()
    const refused = await send(app, 'GET', `/v1/runs/${runId}/messages?${query}`)
    expect(refused.status).toBe(422)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(refused.body.code).toBe('validation_failed')
    expect(fields(refused.body)).toEqual([field])
  })

  it('names both fields when both are out of range', async () => {
    app = createApp({ workflows: [echo] })
    const runId = await finishedRun()
    const refused = await send(app, 'GET', `/v1/runs/${runId}/messages?wait=600&limit=100000`)
    expect(fields(refused.body).sort()).toEqual(['query.limit', 'query.wait'])
  })

  it('accepts the bounds themselves', async () => {
    app = createApp({ workflows: [echo] })
    const runId = await finishedRun()
    const page = await send(app, 'GET', `/v1/runs/${runId}/messages?wait=60&limit=1000`)
    expect(page.status).toBe(200)
    const one = await send(app, 'GET', `/v1/runs/${runId}/messages?wait=0&limit=1`)
    expect(one.body.messages).toHaveLength(1)
    expect(one.body.next_after).toBe(1)
  })

  it.each(['limit=0', 'limit=101', 'limit=-5'])('answers 422 naming query.limit on listRuns for %s', async (query) => {
    app = createApp({ workflows: [echo] })
    const refused = await send(app, 'GET', `/v1/runs?${query}`)
    expect(refused.status).toBe(422)
    expect(fields(refused.body)).toEqual(['query.limit'])
  })
})

describe('active runs per user (limits.maxActiveRunsPerUser)', () => {
  const startGreet = (key?: string, headers?: Record<string, string>) =>
    send(app, 'POST', '/v1/runs', { key, headers, body: { workflow: 'greet' } })

  it('answers 429 past the limit, and accepts a new run once one is cancelled', async () => {
    app = createApp({ workflows: [greet, echo], limits: { maxActiveRunsPerUser: 2 } })
    const first = await startGreet()
    const second = await startGreet()
    expect([first.status, second.status]).toEqual([201, 201])

    const refused = await startGreet()
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(refused.body).toMatchObject({ status: 429, code: 'too_many_active_runs' })
    expect(refused.body.detail).toMatch(/At most 2 runs/)
    const viaTypedRoute = await send(app, 'POST', '/v1/workflows/echo/runs', { body: {} })
    expect(viaTypedRoute.status).toBe(429)
    const listed = await send(app, 'GET', '/v1/runs')
    expect(listed.body.runs).toHaveLength(2)

    expect((await send(app, 'POST', `/v1/runs/${first.body.id}/cancel`)).status).toBe(200)
    const accepted = await startGreet()
    expect(accepted.status).toBe(201)
    expect((await startGreet()).status).toBe(429)
  })

  it('frees a slot when a run completes', async () => {
    app = createApp({ workflows: [greet], limits: { maxActiveRunsPerUser: 1 } })
    const run = await startGreet()
    expect((await startGreet()).status).toBe(429)
    for (const answer of ['Ada', 'good']) {
      const question = await pendingQuestion(app, run.body.id)
      await send(app, 'POST', `/v1/runs/${run.body.id}/replies`, { body: { question_id: question.id, answer } })
    }
    await drain(app, run.body.id)
    expect((await startGreet()).status).toBe(201)
  })

  it('counts per user: one user at the limit does not block another', async () => {
    const [KA, KB] = ['key-alice-0123456789', 'key-bob-0123456789ab']
    app = createApp({ workflows: [greet], limits: { maxActiveRunsPerUser: 1 }, auth: { apiKeys: { [KA]: 'alice', [KB]: 'bob' } } })
    expect((await startGreet(KA)).status).toBe(201)
    expect((await startGreet(KA)).status).toBe(429)
    expect((await startGreet(KB)).status).toBe(201)
  })

  it('still answers a retry with the same Idempotency-Key at the limit (200, the same run)', async () => {
    app = createApp({ workflows: [greet], limits: { maxActiveRunsPerUser: 1 } })
    const key = { 'idempotency-key': 'retry-me' }
    const first = await startGreet(undefined, key)
    const retry = await startGreet(undefined, key)
    expect(first.status).toBe(201)
    expect(retry.status).toBe(200)
    expect(retry.body.id).toBe(first.body.id)
    expect((await startGreet(undefined, { 'idempotency-key': 'another' })).status).toBe(429)
  })

  it('never lets concurrent creates slip past the limit', async () => {
    app = createApp({ workflows: [greet], limits: { maxActiveRunsPerUser: 3 } })
    const results = await Promise.all(Array.from({ length: 12 }, () => startGreet()))
    expect(results.filter((r) => r.status === 201)).toHaveLength(3)
    expect(results.filter((r) => r.status === 429)).toHaveLength(9)
  })
})
