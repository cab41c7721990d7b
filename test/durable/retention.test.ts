import { describe, expect, it } from 'vitest'
import { duration } from '../../src/config.ts'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import type { NewRun } from '../../src/store/store.ts'
import { call } from '../support/contract.ts'
import { finished, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { STORE_BACKENDS, useServedStore } from '../support/store-backends.ts'
import { waitFor } from '../support/wait-for.ts'

/** Nothing is kept forever: finished runs past the retention are deleted, unfinished ones past the maximum age fail. */

const status = async (url: string, runId: string) => {
  const run = await call(url, 'GET', `/v1/runs/${runId}`)
  return run.status === 404 ? 'gone' : run.body.status
}

describe.each(STORE_BACKENDS)('retention ($name store)', (backend) => {
  describe('of finished runs (limits.retentionMs)', () => {
    const { server } = useServedStore(backend, [echo, greet], {
      limits: { retentionMs: 2000, maxRunAgeMs: null },
      worker: { retention: { sweepIntervalMs: 50 } },
    })

    it('deletes a finished run past the retention, with its log; an unfinished one stays', async () => {
      const waiting = await startRun(server.url, 'greet')
      await nextQuestion(server.url, waiting.id)
      const run = await startRun(server.url, 'echo', { text: 'short-lived' })
      expect((await readLog(server.url, run.id)).at(-1)?.type).toBe('workflow_completed')
      expect(await status(server.url, run.id)).toBe('completed')

      await waitFor(async () => (await status(server.url, run.id)) === 'gone', 'the finished run deleted')
      const log = await call(server.url, 'GET', `/v1/runs/${run.id}/messages`)
      expect(log.status).toBe(404)
      expect(log.body.code).toBe('run_not_found')
      expect((await call(server.url, 'GET', '/v1/runs')).body.runs.map((listed: { id: string }) => listed.id)).toEqual([waiting.id])
      expect(await status(server.url, waiting.id)).toBe('awaiting_input')
    })
  })

  describe('of unfinished runs (limits.maxRunAgeMs)', () => {
    const { server, app } = useServedStore(backend, [greet], {
      limits: { maxRunAgeMs: 3000, retentionMs: null },
      worker: { parkAfterMs: 100, retention: { sweepIntervalMs: 50 } },
    })

    it('fails a run awaiting input past the maximum age, parked in the store or not, with a clear error', async () => {
      const run = await startRun(server.url, 'greet')
      const question = await nextQuestion(server.url, run.id)
      // Parked: no worker holds it, only the store has it.
      await waitFor(() => app.runs.executingCount === 0, 'the waiting run parked')
      expect(await status(server.url, run.id)).toBe('awaiting_input')

      const failed = await finished(server.url, run.id)
      expect(failed).toMatchObject({ status: 'failed', error: { short: 'run exceeded its maximum age of 3 seconds' } })
      const log = await readLog(server.url, run.id)
      expect(log.slice(-2).map((message) => message.type)).toEqual(['error', 'workflow_completed'])
      const late = await call(server.url, 'POST', `/v1/runs/${run.id}/replies`, { body: { question_id: question.id, answer: 'Ada' } })
      expect(late.status).toBe(409)
    })
  })
})

describe('maximum age of a run a worker executes (memory store)', () => {
  const memory = { open: () => ({ store: createMemoryStore(), dispose: () => undefined }) }
  const { server, app } = useServedStore(memory, [greet], {
    limits: { maxRunAgeMs: 1000, retentionMs: null },
    worker: { retention: { sweepIntervalMs: 50 } },
  })

  it('fails it where it runs, and the worker lets it go', async () => {
    const run = await startRun(server.url, 'greet')
    await nextQuestion(server.url, run.id)
    expect(app.runs.executingCount).toBe(1)
    expect(await finished(server.url, run.id)).toMatchObject({
      status: 'failed',
      error: { short: 'run exceeded its maximum age of 1 second' },
    })
    await waitFor(() => app.runs.executingCount === 0, 'the worker let the run go')
  })
})

describe('the memory store’s cap on finished runs', () => {
  const newRun: NewRun = { user_id: 'alice', workflow: 'echo', params: {}, idempotency_key: null, request_hash: null, max_active_runs: 100 }
  const done = {
    drafts: [],
    change: { status: 'completed' as const, finished_at: new Date().toISOString() },
    questionStatus: 'cancelled' as const,
  }

  it('frees the oldest-finished runs beyond the cap, never an unfinished one', async () => {
    const store = createMemoryStore({ maxFinishedRuns: 2 })
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      const outcome = await store.createRun(newRun)
      if (outcome.kind !== 'created') throw new Error(outcome.kind)
      ids.push(outcome.run.id)
    }
    const [first, second, third, unfinished] = ids as [string, string, string, string]
    await store.append(first, { type: 'text_message', content: { body: 'hi' }, sender: null, recipient: null, auto_reply: false })
    for (const runId of [second, first, third]) await store.finishRun(runId, done)
    // `second` finished first: it is the one freed, log and all.
    expect(await store.getRun(second)).toBeNull()
    expect(await store.listMessages(second, 0, 10)).toEqual([])
    for (const kept of [first, third, unfinished]) expect(await store.getRun(kept)).not.toBeNull()
    expect(await store.listMessages(first, 0, 10)).toHaveLength(1)
    await store.close()
  })
})

describe('PARLEY_RETENTION / PARLEY_MAX_RUN_AGE durations', () => {
  it('reads days, hours, minutes, seconds and bare seconds; 0 or off turns the bound off', () => {
    expect(duration('30d', null, 'X')).toBe(30 * 86_400_000)
    expect(duration('12h', null, 'X')).toBe(12 * 3_600_000)
    expect(duration('90m', null, 'X')).toBe(90 * 60_000)
    expect(duration('45s', null, 'X')).toBe(45_000)
    expect(duration('3600', null, 'X')).toBe(3_600_000)
    expect(duration(undefined, 5, 'X')).toBe(5)
    expect(duration('0', 5, 'X')).toBeNull()
    expect(duration('off', 5, 'X')).toBeNull()
    expect(() => duration('a month', 5, 'PARLEY_RETENTION')).toThrow(/PARLEY_RETENTION must be a duration like 30d/)
  })
})
