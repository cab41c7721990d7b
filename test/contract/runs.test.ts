import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { call } from '../support/contract.ts'
import { fieldsOf, finished, nextQuestion, startRun } from '../support/contract-runs.ts'
import { CONTRACT_STORE, contractStore } from '../support/contract-store.ts'

let app: ParleyApp
beforeEach(() => {
  app = createApp({ workflows: [echo, greet], ...contractStore() })
})
afterEach(async () => {
  await app.close()
})

/** Three finished echo runs and two greet runs waiting on a question, oldest first. */
async function fiveRuns(): Promise<string[]> {
  const ids: string[] = []
  for (const text of ['a', 'b', 'c']) {
    const run = await startRun(app, 'echo', { text })
    await finished(app, run.id)
    ids.push(run.id)
  }
  for (let i = 0; i < 2; i++) {
    const run = await startRun(app, 'greet')
    await nextQuestion(app, run.id)
    ids.push(run.id)
  }
  return ids
}

describe('listRuns (GET /v1/runs)', () => {
  it('returns the caller’s runs newest first, with next_cursor null on the last page', async () => {
    const ids = await fiveRuns()
    const page = await call(app, 'GET', '/v1/runs')
    expect(page.status).toBe(200)
    expect(page.body.runs.map((run: { id: string }) => run.id)).toEqual([...ids].reverse())
    expect(page.body.next_cursor).toBeNull()
  })

  // On PostgreSQL each create is a transaction of its own, a millisecond or more apart: no tie to break.
  it.skipIf(CONTRACT_STORE === 'postgres')('keeps creation order among runs created within the same millisecond', async () => {
    // Started together, most land in one millisecond; the order must still be the creation order.
    const runs = await Promise.all(Array.from({ length: 30 }, (_, i) => startRun(app, 'echo', { text: `t${i}` })))
    const created = runs.map((run) => run.id)
    expect(new Set(runs.map((run) => run.created_at)).size).toBeLessThan(30)
    const page = await call(app, 'GET', '/v1/runs?limit=100')
    expect(page.body.runs.map((run: { id: string }) => run.id)).toEqual([...created].reverse())
  })

  it('filters by status and by workflow', async () => {
    const ids = await fiveRuns()
    const completed = await call(app, 'GET', '/v1/runs?status=completed')
    expect(completed.body.runs.map((run: { id: string }) => run.id)).toEqual(ids.slice(0, 3).reverse())
    const waiting = await call(app, 'GET', '/v1/runs?status=awaiting_input&workflow=greet')
    expect(waiting.body.runs.map((run: { id: string }) => run.id)).toEqual(ids.slice(3).reverse())
    const none = await call(app, 'GET', '/v1/runs?workflow=echo&status=awaiting_input')
    expect(none.body).toEqual({ runs: [], next_cursor: null })
  })

  it('pages through every run exactly once by following next_cursor', async () => {
    const ids = await fiveRuns()
    const seen: string[] = []
    let cursor: string | null = null
    for (let pages = 1; pages <= 10; pages++) {
      const query: string = cursor === null ? 'limit=2' : `limit=2&cursor=${encodeURIComponent(cursor)}`
      const page = await call(app, 'GET', `/v1/runs?${query}`)
      expect(page.body.runs.length).toBeLessThanOrEqual(2)
      seen.push(...page.body.runs.map((run: { id: string }) => run.id))
      cursor = page.body.next_cursor
      if (cursor === null) {
        expect(pages).toBe(3)
        break
      }
    }
    expect(seen).toEqual([...ids].reverse())
  })

  it('keeps the filter across pages', async () => {
    await fiveRuns()
    const first = await call(app, 'GET', '/v1/runs?workflow=echo&limit=2')
    const second = await call(app, 'GET', `/v1/runs?workflow=echo&limit=2&cursor=${first.body.next_cursor}`)
    expect(second.body.runs).toHaveLength(1)
    expect(second.body.runs[0].workflow).toBe('echo')
    expect(second.body.next_cursor).toBeNull()
  })

  it('returns 422 naming the field for a bad status, limit or cursor', async () => {
    const cases: [string, string][] = [
      ['status=paused', 'query.status'],
      ['limit=0', 'query.limit'],
      ['limit=101', 'query.limit'],
      ['limit=two', 'query.limit'],
      ['cursor=not-a-cursor', 'query.cursor'],
    ]
    for (const [query, field] of cases) {
      const refused = await call(app, 'GET', `/v1/runs?${query}`)
      expect(refused.status, query).toBe(422)
      expect(fieldsOf(refused.body), query).toContain(field)
    }
  })
})

describe('getRun (GET /v1/runs/{run_id})', () => {
  it('shows the pending question, the last seq and the status while the run waits', async () => {
    const run = await startRun(app, 'greet', { greeting: 'Hi' })
    const question = await nextQuestion(app, run.id)
    const fetched = await call(app, 'GET', `/v1/runs/${run.id}`)
    expect(fetched.status).toBe(200)
    expect(fetched.body).toMatchObject({ status: 'awaiting_input', params: { greeting: 'Hi' }, last_seq: 2, finished_at: null })
    expect(fetched.body.pending_question).toMatchObject({ id: question.id, seq: 2, type: 'text_input', content: { prompt: 'Your name?' } })
  })

  it('shows the result and finished_at once the run completed', async () => {
    const run = await startRun(app, 'echo', { text: 'done' })
    const done = await finished(app, run.id)
    expect(done).toMatchObject({ status: 'completed', result: 'done', error: null, pending_question: null, last_seq: 3 })
    expect(done.finished_at).not.toBeNull()
  })

  it('returns 404 run_not_found for an unknown run', async () => {
    const missing = await call(app, 'GET', '/v1/runs/00000000-0000-0000-0000-000000000000')
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('run_not_found')
  })
})
