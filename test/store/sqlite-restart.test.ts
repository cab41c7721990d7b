import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import { ticker } from '../../src/examples/ticker.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { serve } from '../../src/server.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { call } from '../support/contract.ts'
import { answer, listMessages, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { deadline, fragile } from '../support/durable-workflows.ts'

let dir: string
let app: ParleyApp | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-restart-'))
})
afterEach(async () => {
  await app?.close()
  app = undefined
  rmSync(dir, { recursive: true, force: true })
})

/** A server process's app over the same SQLite file; the previous one must be closed first. */
function boot(): ParleyApp {
  app = createApp({ workflows: [echo, greet, ticker, deadline], store: createSqliteStore(join(dir, 'parley.db')) })
  return app
}
async function restart(): Promise<ParleyApp> {
  await app?.close()
  return boot()
}

describe('a restarted server over the same SQLite file', () => {
  it('still lists every run and serves every message log, byte for byte', async () => {
    let current = boot()
    const done = await startRun(current, 'echo', { text: 'kept' })
    const doneLog = await readLog(current, done.id)
    const waiting = await startRun(current, 'greet')
    const question = await nextQuestion(current, waiting.id)
    await answer(current, waiting.id, question.id, 'Ada')
    await nextQuestion(current, waiting.id)
    const waitingLog = (await listMessages(current, waiting.id, 'after=0')).body.messages
    const runsBefore = (await call(current, 'GET', '/v1/runs')).body.runs

    current = await restart()
    const runsAfter = (await call(current, 'GET', '/v1/runs')).body.runs
    expect(runsAfter).toEqual(runsBefore)
    expect(await readLog(current, done.id)).toEqual(doneLog)
    expect((await listMessages(current, waiting.id, 'after=0')).body.messages).toEqual(waitingLog)
    expect((await call(current, 'GET', `/v1/runs/${done.id}`)).body).toMatchObject({ status: 'completed', result: 'kept' })
  })

  it('keeps a run left awaiting_input parked on the same question, and answering it resumes and finishes the run', async () => {
    let current = boot()
    const run = await startRun(current, 'greet')
    await answer(current, run.id, (await nextQuestion(current, run.id)).id, 'Ada')
    const mood = await nextQuestion(current, run.id)

    current = await restart()
    const server = await serve(current, { port: 0 })
    try {
      // Waiting for a person costs no worker anything: it was parked at the stop, and the reply resumes it.
      expect(server.interrupted).toEqual({ resumed: 0, failed: 0 })
      expect(current.runs.executingCount).toBe(0)
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({
        status: 'awaiting_input',
        pending_question: { id: mood.id, seq: mood.seq },
      })
      await answer(server.url, run.id, mood.id, 'good')
      const log = await readLog(server.url, run.id)
      expect(log.map((message) => [message.seq, message.type])).toEqual([
        [1, 'workflow_started'],
        [2, 'text_input'],
        [3, 'reply'],
        [4, 'multiple_choice'],
        [5, 'reply'],
        [6, 'text_message'],
        [7, 'workflow_completed'],
      ])
      expect(log[5].content.body).toBe('Hello, Ada (good)')
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: 'greeted Ada' })
    } finally {
      await server.close()
      app = undefined
    }
  })

  it('fails, with an error message saying why, a run whose workflow does not resume or is no longer served', async () => {
    app = createApp({ workflows: [greet, fragile], store: createSqliteStore(join(dir, 'parley.db')) })
    const optedOut = await startRun(app, 'fragile')
    const question = await nextQuestion(app, optedOut.id)
    const gone = await startRun(app, 'greet')
    const goneQuestion = await nextQuestion(app, gone.id)
    await app.close()

    app = createApp({ workflows: [fragile], store: createSqliteStore(join(dir, 'parley.db')) })
    // `resume: false` is never parked: the next worker fails it at once. The other waits, parked, for its reply.
    expect(await app.runs.startWorker()).toEqual({ resumed: 0, failed: 1 })
    const failed = (await call(app, 'GET', `/v1/runs/${optedOut.id}`)).body
    expect(failed).toMatchObject({ status: 'failed', pending_question: null, last_seq: 4 })
    expect(failed.error.short).toMatch(/server stopped/i)
    expect(failed.error.long).toContain('does not resume (resume: false)')
    expect((await readLog(app, optedOut.id)).slice(-2).map((message) => message.type)).toEqual(['error', 'workflow_completed'])
    const late = await call(app, 'POST', `/v1/runs/${optedOut.id}/replies`, { body: { question_id: question.id, answer: 'x' } })
    expect(late.status).toBe(409)

    await answer(app, gone.id, goneQuestion.id, 'Ada')
    const log = await readLog(app, gone.id)
    expect(log.map((message) => message.type)).toEqual(['workflow_started', 'text_input', 'reply', 'error', 'workflow_completed'])
    expect(log[3].content.long).toContain('this server has no workflow named "greet"')
  })

  it('fails a run left by a server that kept no journal rather than repeat its messages', async () => {
    const store = createSqliteStore(join(dir, 'parley.db'))
    const created = await store.createRun({
      user_id: 'anonymous',
      workflow: 'echo',
      params: { text: 'x' },
      idempotency_key: null,
      request_hash: null,
      max_active_runs: 10,
    })
    if (created.kind !== 'created') throw new Error('no run')
    await store.append(
      created.run.id,
      {
        type: 'workflow_started',
        content: { name: 'echo', description: '', params: { text: 'x' } },
        sender: null,
        recipient: null,
        auto_reply: false,
      },
      { change: { status: 'running' } },
    )
    await store.close()

    const current = boot()
    expect(await current.runs.startWorker()).toEqual({ resumed: 1, failed: 0 })
    const log = await readLog(current, created.run.id)
    expect(log.map((message) => message.type)).toEqual(['workflow_started', 'error', 'workflow_completed'])
    expect(log[1].content.long).toContain('before runs were journaled')
  })

  it('expires, on restart, a question whose deadline passed while the server was down', async () => {
    let current = boot()
    const run = await startRun(current, 'deadline', { timeout_seconds: 0.5, on_timeout: 'default', kind: 'single' })
    const question = await nextQuestion(current, run.id)
    await app?.close()
    app = undefined
    await new Promise((resolve) => setTimeout(resolve, 700))

    current = boot()
    const refused = await call(current, 'POST', `/v1/runs/${run.id}/replies`, { body: { question_id: question.id, answer: 'yes' } })
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('question_expired')
    await current.runs.startWorker()
    const log = await readLog(current, run.id)
    expect(log.map((message) => message.type)).toEqual([
      'workflow_started',
      'multiple_choice',
      'system_message',
      'text_message',
      'workflow_completed',
    ])
    expect(log[2].content.message).toEqual({ event: 'question_expired', question_id: question.id, on_timeout: 'default', answer: 'no' })
    expect((await call(current, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: '"no"' })
  })

  it('parks a run stopped by shutdown, even one that returns when its signal fires: never recorded as completed', async () => {
    const stubborn = defineWorkflow({
      name: 'stubborn',
      description: 'Returns as soon as its signal fires, as a careless workflow might',
      async run(ui, _params, ctx) {
        await ui.textMessage({ body: 'working' })
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
        return 'finished anyway'
      },
    })
    app = createApp({ workflows: [stubborn], store: createSqliteStore(join(dir, 'parley.db')) })
    let server = await serve(app, { port: 0 })
    const run = await startRun(server.url, 'stubborn')
    await listMessages(server.url, run.id, 'after=1&wait=5')
    await server.close()

    app = createApp({ workflows: [stubborn], store: createSqliteStore(join(dir, 'parley.db')) })
    expect((await call(app, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'running', result: null, last_seq: 2 })
    server = await serve(app, { port: 0 })
    try {
      expect(server.interrupted.resumed).toBe(1)
      expect((await call(server.url, 'POST', `/v1/runs/${run.id}/cancel`)).status).toBe(200)
      const log = await readLog(server.url, run.id)
      expect(log.map((message) => message.type)).toEqual(['workflow_started', 'text_message', 'system_message', 'workflow_completed'])
      expect((await call(server.url, 'GET', `/v1/runs/${run.id}`)).body.status).toBe('cancelled')
    } finally {
      await server.close()
      app = undefined
    }
  })
})
