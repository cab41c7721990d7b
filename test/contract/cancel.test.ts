import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import { ticker } from '../../src/examples/ticker.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { call } from '../support/contract.ts'
import { finished, listMessages, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { contractStore } from '../support/contract-store.ts'

/** What the workflow saw of its own cancellation, by run id. */
const seen = new Map<string, { signal: AbortSignal; abortedWhileAsking: boolean }>()
const patient = defineWorkflow({
  name: 'patient',
  description: 'Asks one question and records whether its signal fired',
  async run(ui, _params, ctx) {
    const entry = { signal: ctx.signal, abortedWhileAsking: false }
    seen.set(ctx.runId, entry)
    ctx.signal.addEventListener('abort', () => {
      entry.abortedWhileAsking = true
    })
    return ui.textInput({ prompt: 'Anything?' })
  },
})

let app: ParleyApp
beforeEach(() => {
  seen.clear()
  app = createApp({ workflows: [echo, greet, ticker, patient], ...contractStore() })
})
afterEach(async () => {
  await app.close()
})

const cancel = (runId: string) => call(app, 'POST', `/v1/runs/${runId}/cancel`)

describe('cancelRun (POST /v1/runs/{run_id}/cancel)', () => {
  it('cancels a run waiting on a question: status cancelled, question cancelled, the workflow’s signal fired', async () => {
    const run = await startRun(app, 'patient')
    const question = await nextQuestion(app, run.id)

    const cancelled = await cancel(run.id)
    expect(cancelled.status).toBe(200)
    expect(cancelled.body).toMatchObject({ id: run.id, status: 'cancelled', pending_question: null, result: null })
    expect(cancelled.body.finished_at).not.toBeNull()
    expect(seen.get(run.id)?.signal.aborted).toBe(true)
    expect(seen.get(run.id)?.abortedWhileAsking).toBe(true)

    const late = await call(app, 'POST', `/v1/runs/${run.id}/replies`, { body: { question_id: question.id, answer: 'yes' } })
    expect(late.status).toBe(409)
    expect(late.body.code).toBe('question_not_pending')
    expect(late.body.detail).toContain('cancelled')
  })

  it('ends the log with a run_cancelled system message and workflow_completed, and nothing after', async () => {
    const run = await startRun(app, 'greet')
    await nextQuestion(app, run.id)
    await cancel(run.id)
    const log = await readLog(app, run.id)
    expect(log.map((message) => message.type)).toEqual(['workflow_started', 'text_input', 'system_message', 'workflow_completed'])
    expect(log[2].content.message).toMatchObject({ event: 'run_cancelled' })
    expect(log.at(-1).content).toEqual({ result: null })

    const after = await listMessages(app, run.id, `after=${log.length}&wait=1`)
    expect(after.body).toMatchObject({ messages: [], run_status: 'cancelled', next_after: log.length, last_seq: log.length })
  })

  it('stops a running workflow between steps: no message follows workflow_completed', async () => {
    const run = await startRun(app, 'ticker', { count: 1000, interval_ms: 20 })
    await listMessages(app, run.id, 'after=2&wait=5')
    expect((await cancel(run.id)).body.status).toBe('cancelled')
    const log = await readLog(app, run.id)
    expect(log.at(-1).type).toBe('workflow_completed')
    expect(log.map((message) => message.seq)).toEqual(log.map((_, index) => index + 1))
    expect((await call(app, 'GET', `/v1/runs/${run.id}`)).body.last_seq).toBe(log.length)
  })

  it('returns 409 run_not_active for a run that has finished', async () => {
    const run = await startRun(app, 'echo')
    await finished(app, run.id)
    const refused = await cancel(run.id)
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('run_not_active')
    expect((await call(app, 'GET', `/v1/runs/${run.id}`)).body.status).toBe('completed')
  })

  it('returns 409 when cancelling twice', async () => {
    const run = await startRun(app, 'greet')
    expect((await cancel(run.id)).status).toBe(200)
    expect((await cancel(run.id)).status).toBe(409)
  })

  it('returns 413 for a body over the limit, though it reads none, and leaves the run alone', async () => {
    await app.close()
    app = createApp({ workflows: [greet], limits: { maxBodyBytes: 64 }, ...contractStore() })
    const run = await startRun(app, 'greet')
    const refused = await call(app, 'POST', `/v1/runs/${run.id}/cancel`, {
      body: 'x'.repeat(100),
      headers: { 'content-type': 'text/plain' },
    })
    expect(refused.status).toBe(413)
    expect(refused.body.code).toBe('payload_too_large')
    expect((await call(app, 'GET', `/v1/runs/${run.id}`)).body.status).not.toBe('cancelled')
    expect((await cancel(run.id)).status).toBe(200)
  })

  it('returns 404 run_not_found for an unknown run', async () => {
    const missing = await cancel('no-such-run')
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('run_not_found')
  })
})
