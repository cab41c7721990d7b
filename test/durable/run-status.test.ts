import { describe, expect, it } from 'vitest'
import { ParleyError } from '../../src/runtime/errors.ts'
import { canTransition, RUN_TRANSITIONS, transitionRun } from '../../src/runtime/run-status.ts'
import { FINISHED_STATUSES, RUN_STATUSES } from '../../src/schemas/runs.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'

/** A run's status changes in one function, which refuses what the status machine does not allow. */

const newRun = async (store: ReturnType<typeof createMemoryStore>) => {
  const outcome = await store.createRun({
    user_id: 'alice',
    workflow: 'echo',
    params: {},
    idempotency_key: null,
    request_hash: null,
    max_active_runs: 10,
  })
  if (outcome.kind !== 'created') throw new Error(`no run created: ${outcome.kind}`)
  return outcome.run
}

describe('run status transitions', () => {
  it('never lets a finished run change, and never sends a run back to queued', () => {
    for (const from of FINISHED_STATUSES) expect(RUN_TRANSITIONS[from]).toEqual([])
    for (const from of RUN_STATUSES) expect(canTransition(from, 'queued')).toBe(false)
  })

  it('refuses to cancel a completed run with run_not_active, and writes nothing', async () => {
    const store = createMemoryStore()
    const run = await newRun(store)
    const completed = await transitionRun({ store, run }, { to: 'completed', result: 'done' })
    expect(completed?.status).toBe('completed')
    const attempt = transitionRun({ store, run: { id: run.id, status: 'completed' } }, { to: 'cancelled' })
    await expect(attempt).rejects.toBeInstanceOf(ParleyError)
    await expect(attempt).rejects.toMatchObject({ code: 'run_not_active' })
    const after = await store.getRun(run.id)
    expect(after).toMatchObject({ status: 'completed', result: 'done' })
    expect((await store.listMessages(run.id, 0, 100)).map((message) => message.type)).toEqual(['workflow_completed'])
  })

  it('resolves to null when the run finished since it was read (the store decides, in the same write)', async () => {
    const store = createMemoryStore()
    const run = await newRun(store)
    await transitionRun({ store, run }, { to: 'cancelled' })
    // `run` still says queued: the stale read passes the check, and the store refuses the write.
    expect(await transitionRun({ store, run }, { to: 'failed', short: 'too late', long: null })).toBeNull()
    expect((await store.getRun(run.id))?.status).toBe('cancelled')
  })

  it('fails a run with its error redacted, its closing messages written with it', async () => {
    const store = createMemoryStore()
    const run = await newRun(store)
    const failed = await transitionRun({ store, run }, { to: 'failed', short: 'Error: key sk-abcdefghijkl refused', long: null })
    expect(failed).toMatchObject({ status: 'failed', error: { short: 'Error: key sk-[REDACTED] refused', long: null } })
    expect(failed?.finished_at).not.toBeNull()
    expect((await store.listMessages(run.id, 0, 100)).map((message) => message.type)).toEqual(['error', 'workflow_completed'])
  })
})
