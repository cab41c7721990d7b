import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import { ticker } from '../../src/examples/ticker.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { serve } from '../../src/server.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { call } from '../support/contract.ts'
import { answer, finished, listMessages, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'

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
  app = createApp({ workflows: [echo, greet, ticker], store: createSqliteStore(join(dir, 'parley.db')) })
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

  it('marks a run left awaiting_input failed, with an error message saying why, continuing its seq', async () => {
    let current = boot()
    const run = await startRun(current, 'greet')
    const question = await nextQuestion(current, run.id)

    current = await restart()
    expect(await current.runs.recoverInterruptedRuns()).toBe(1)
    const log = await readLog(current, run.id)
    expect(log.map((message) => [message.seq, message.type])).toEqual([
      [1, 'workflow_started'],
      [2, 'text_input'],
      [3, 'error'],
      [4, 'workflow_completed'],
    ])
    expect(log[2].content.short).toMatch(/server stopped/i)
    const failed = (await call(current, 'GET', `/v1/runs/${run.id}`)).body
    expect(failed).toMatchObject({ status: 'failed', pending_question: null, last_seq: 4 })
    expect(failed.error.short).toMatch(/server stopped/i)
    expect(failed.finished_at).not.toBeNull()

    const late = await call(current, 'POST', `/v1/runs/${run.id}/replies`, { body: { question_id: question.id, answer: 'Ada' } })
    expect(late.status).toBe(409)
    expect(await current.runs.recoverInterruptedRuns()).toBe(0)
  })

  it('settles a run left running when serve() boots, and new runs work beside the old ones', async () => {
    let current = boot()
    const run = await startRun(current, 'ticker', { count: 1000, interval_ms: 50 })
    await listMessages(current, run.id, 'after=1&wait=5')
    expect((await call(current, 'GET', `/v1/runs/${run.id}`)).body.status).toBe('running')

    current = await restart()
    const server = await serve(current, { port: 0 })
    try {
      const settled = await finished(server.url, run.id)
      expect(settled.status).toBe('failed')
      expect(settled.error.long).toContain('running')
      const log = await readLog(server.url, run.id)
      expect(log.map((message) => message.seq)).toEqual(log.map((_, index) => index + 1))
      expect(log.slice(-2).map((message) => message.type)).toEqual(['error', 'workflow_completed'])

      const fresh = await finished(server.url, (await startRun(server.url, 'echo', { text: 'after restart' })).id)
      expect(fresh).toMatchObject({ status: 'completed', result: 'after restart', last_seq: 3 })
    } finally {
      await server.close()
      app = undefined
    }
  })
})
