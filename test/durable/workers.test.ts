import { afterEach, describe, expect, it } from 'vitest'
import { greet, quiz_loop } from '../../src/examples/questions.ts'
import { ticker } from '../../src/examples/ticker.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import type { Worker, WorkerOptions } from '../../src/runtime/worker.ts'
import { createWorker } from '../../src/runtime/worker.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * Workers and the API apart, in one process over one memory store: what PostgreSQL does across
 * processes, with the same leases, claims, parking and fencing.
 */

const WORKFLOWS = [greet, quiz_loop, ticker]
const started: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const thing of started.splice(0).reverse()) await thing.close()
})

function apiOnly(store = createMemoryStore()): ParleyApp {
  const app = createApp({ workflows: WORKFLOWS, store, worker: false })
  started.push({ close: () => app.runs.stop() })
  return app
}

async function worker(store: ReturnType<typeof createMemoryStore>, options: Partial<WorkerOptions> = {}): Promise<Worker> {
  const made = createWorker({ workflows: WORKFLOWS, store, claimIntervalMs: 25, ...options })
  started.push({ close: () => made.stop() })
  await made.start()
  return made
}

describe('an API process without a worker, and workers beside it', () => {
  it('hands each run to a worker, whose questions are answered and runs cancelled through the API', async () => {
    const store = createMemoryStore()
    const api = apiOnly(store)
    const one = await worker(store)
    const two = await worker(store)

    const runs = await Promise.all(Array.from({ length: 10 }, () => startRun(api, 'greet')))
    for (const run of runs.slice(0, 9)) {
      await answer(api, run.id, (await nextQuestion(api, run.id)).id, 'Ada')
      await answer(api, run.id, (await nextQuestion(api, run.id)).id, 'good')
      expect((await readLog(api, run.id)).at(-1)?.content.result).toBe('greeted Ada')
    }
    const last = runs[9]
    if (!last) throw new Error('no run')
    await nextQuestion(api, last.id)
    expect(one.executingCount + two.executingCount).toBe(1)
    expect((await call(api, 'POST', `/v1/runs/${last.id}/cancel`)).status).toBe(200)
    await waitFor(() => one.executingCount + two.executingCount === 0, 'the cancel reaches the worker')
    expect(api.runs.executingCount).toBe(0)
  })

  it('parks a run that waits long for its reply, and any worker resumes it when the reply comes', async () => {
    const store = createMemoryStore()
    const api = apiOnly(store)
    const parking = await worker(store, { parkAfterMs: 50 })
    const run = await startRun(api, 'quiz_loop', { max_rounds: 2 })
    const first = await nextQuestion(api, run.id)
    await waitFor(() => parking.executingCount === 0, 'the run is parked')
    expect((await call(api, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({
      status: 'awaiting_input',
      pending_question: { id: first.id },
    })

    await answer(api, run.id, first.id, 'one')
    await answer(api, run.id, (await nextQuestion(api, run.id)).id, 'continue')
    await waitFor(() => parking.executingCount === 0, 'parked again')
    await answer(api, run.id, (await nextQuestion(api, run.id)).id, 'two')
    await answer(api, run.id, (await nextQuestion(api, run.id)).id, 'stop')
    const log = await readLog(api, run.id)
    expect(log.map((message) => message.seq)).toEqual(log.map((_, index) => index + 1))
    expect(log.filter((message) => message.type === 'text_message').map((message) => message.content.body)).toEqual([
      'Noted: one',
      'Noted: two',
    ])
    expect(log.at(-1)?.content.result).toBe('2 note(s): one | two')
  })

  it('parks a run sleeping on a long timer, and claims it back when the timer is due', async () => {
    const store = createMemoryStore()
    const api = apiOnly(store)
    const parking = await worker(store, { parkAfterMs: 50 })
    const run = await startRun(api, 'ticker', { count: 2, interval_ms: 1500 })
    await waitFor(async () => (await call(api, 'GET', `/v1/runs/${run.id}`)).body.last_seq >= 2, 'tick 1')
    await waitFor(() => parking.executingCount === 0, 'the sleeping run is parked')
    const log = await readLog(api, run.id)
    expect(log.filter((message) => message.type === 'text_message').map((message) => message.content.body)).toEqual([
      'tick 1/2',
      'tick 2/2',
    ])
    const [, first, second] = log
    expect(Date.parse(second.created_at) - Date.parse(first.created_at)).toBeGreaterThanOrEqual(1500)
  })

  it('stops a worker that lost its lease: the worker that took the run over finishes it, each message once', async () => {
    const store = createMemoryStore()
    const api = apiOnly(store)
    // A frozen worker, as after SIGSTOP: it holds a lease it never renews (never started, so no heartbeats).
    const frozen = createWorker({ workflows: WORKFLOWS, store, leaseMs: 100 })
    started.push({ close: () => frozen.stop() })
    const claimed = await store.claimRuns(frozen.id, { limit: 1, leaseMs: 100 })
    expect(claimed).toEqual([])
    const run = await startRun(api, 'ticker', { count: 3, interval_ms: 300 })
    const [mine] = await store.claimRuns(frozen.id, { limit: 1, leaseMs: 100 })
    if (!mine) throw new Error('not claimed')
    frozen.adopt(mine.run, mine.lease)
    await waitFor(async () => (await call(api, 'GET', `/v1/runs/${run.id}`)).body.last_seq >= 2, 'tick 1 by the frozen worker')

    const taker = await worker(store)
    await waitFor(() => taker.executingCount === 1, 'the lapsed lease is taken over')
    const log = await readLog(api, run.id)
    expect(log.filter((message) => message.type === 'text_message').map((message) => message.content.body)).toEqual([
      'tick 1/3',
      'tick 2/3',
      'tick 3/3',
    ])
    await waitFor(() => frozen.executingCount === 0, 'the frozen worker has stopped')
  })

  it('parks its waiting runs and claims nothing new while over its memory budget; another worker takes the work', async () => {
    const store = createMemoryStore()
    const api = apiOnly(store)
    const full = await worker(store, { memoryBudgetBytes: 1, parkAfterMs: 60_000 })
    const run = await startRun(api, 'greet')
    const roomy = await worker(store)
    const question = await nextQuestion(api, run.id)
    expect(full.executingCount).toBe(0)
    await answer(api, run.id, question.id, 'Ada')
    await answer(api, run.id, (await nextQuestion(api, run.id)).id, 'good')
    expect((await readLog(api, run.id)).at(-1)?.content.result).toBe('greeted Ada')
    expect(full.executingCount + roomy.executingCount).toBe(0)
  })
})
