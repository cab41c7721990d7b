import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { calculator, echo, report_error, system_notice } from '../../src/examples/message-types.ts'
import { ticker } from '../../src/examples/ticker.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { call } from '../support/contract.ts'
import { fieldsOf, finished, listMessages, readLog, startRun } from '../support/contract-runs.ts'
import { contractStore } from '../support/contract-store.ts'

const explode = defineWorkflow({
  name: 'explode',
  description: 'Says something, then throws',
  async run(ui) {
    await ui.textMessage({ body: 'about to fail' })
    throw new RangeError('the workflow blew up')
  },
})

let app: ParleyApp
beforeEach(() => {
  app = createApp({ workflows: [echo, system_notice, calculator, report_error, ticker, explode], ...contractStore() })
})
afterEach(async () => {
  await app.close()
})

const types = (log: { type: string }[]) => log.map((message) => message.type)
const seqs = (log: { seq: number }[]) => log.map((message) => message.seq)

describe('a run’s message log', () => {
  it('starts with workflow_started, ends with workflow_completed, and numbers messages 1..n without a gap', async () => {
    const run = await startRun(app, 'calculator', { a: 4, b: 5 })
    const log = await readLog(app, run.id)
    expect(types(log)).toEqual([
      'workflow_started',
      'suggested_function_call',
      'function_call_execution',
      'text_message',
      'workflow_completed',
    ])
    expect(seqs(log)).toEqual([1, 2, 3, 4, 5])
    expect(new Set(log.map((message) => message.id)).size).toBe(log.length)
    expect(log.every((message) => message.run_id === run.id)).toBe(true)
    expect(log[0].content).toEqual({ name: 'calculator', description: calculator.description, params: { a: 4, b: 5 } })
    expect(log[1].content).toMatchObject({ function_name: 'add', arguments: { a: 4, b: 5 } })
    expect(log[2].content).toMatchObject({ function_name: 'add', call_id: log[1].content.call_id, retval: 9 })
    expect(log.at(-1).content).toEqual({ result: '9' })
  })

  it('carries each message type the examples emit, every one matching its documented schema', async () => {
    const logs = await Promise.all(
      ['echo', 'system_notice', 'report_error'].map(async (name) => types(await readLog(app, (await startRun(app, name)).id))),
    )
    expect(logs).toEqual([
      ['workflow_started', 'text_message', 'workflow_completed'],
      ['workflow_started', 'system_message', 'workflow_completed'],
      ['workflow_started', 'error', 'workflow_completed'],
    ])
  })

  it('records a throwing workflow as error then workflow_completed, fails the run, and keeps serving', async () => {
    const run = await startRun(app, 'explode')
    const log = await readLog(app, run.id)
    expect(types(log)).toEqual(['workflow_started', 'text_message', 'error', 'workflow_completed'])
    expect(log[2].content.short).toContain('the workflow blew up')
    expect(log[3].content).toEqual({ result: null })

    const failed = await call(app, 'GET', `/v1/runs/${run.id}`)
    expect(failed.body).toMatchObject({ status: 'failed', result: null })
    expect(failed.body.error.short).toContain('the workflow blew up')

    expect((await call(app, 'GET', '/healthz')).status).toBe(200)
    const next = await finished(app, (await startRun(app, 'echo', { text: 'still here' })).id)
    expect(next).toMatchObject({ status: 'completed', result: 'still here' })
  })
})

describe('listMessages (GET /v1/runs/{run_id}/messages)', () => {
  it('pages by limit and, following next_after, returns every message exactly once', async () => {
    const run = await startRun(app, 'ticker', { count: 7, interval_ms: 0 })
    await finished(app, run.id)
    const pages: number[][] = []
    let after = 0
    for (let i = 0; i < 10; i++) {
      const page = await listMessages(app, run.id, `after=${after}&limit=4`)
      if (page.body.messages.length === 0) break
      pages.push(seqs(page.body.messages))
      expect(page.body.next_after).toBe(page.body.messages.at(-1).seq)
      expect(page.body.last_seq).toBe(9)
      after = page.body.next_after
    }
    expect(pages).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
  })

  it('returns 422 naming the query parameter for a wait, limit or after out of bounds', async () => {
    const run = await startRun(app, 'echo')
    const cases: [string, string][] = [
      ['wait=61', 'query.wait'],
      ['wait=-1', 'query.wait'],
      ['wait=soon', 'query.wait'],
      ['limit=0', 'query.limit'],
      ['limit=1001', 'query.limit'],
      ['after=-1', 'query.after'],
      ['after=1.5', 'query.after'],
    ]
    for (const [query, field] of cases) {
      const refused = await call(app, 'GET', `/v1/runs/${run.id}/messages?${query}`)
      expect(refused.status, query).toBe(422)
      expect(refused.body.code).toBe('validation_failed')
      expect(fieldsOf(refused.body), query).toEqual([field])
    }
  })

  it('returns 404 run_not_found for an unknown run', async () => {
    const missing = await call(app, 'GET', '/v1/runs/no-such-run/messages?wait=5')
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('run_not_found')
  })
})
