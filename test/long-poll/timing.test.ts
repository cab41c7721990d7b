import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet, quiz_loop } from '../../src/examples/questions.ts'
import { call, checkResponse } from '../support/contract.ts'
import { answer, finished, nextQuestion, startRun } from '../support/contract-runs.ts'
import { STORE_BACKENDS, useServedStore } from '../support/store-backends.ts'
import { waitFor } from '../support/wait-for.ts'

/** Far above a healthy loopback round trip (a few ms), far below any `wait` used here. */
const PROMPT_MS = 250

describe.each(STORE_BACKENDS)('the long-poll on a real server ($name store)', (backend) => {
  const { store, server } = useServedStore(backend, [echo, greet, quiz_loop])

  /**
   * One long-poll, timed from sending it to its response arriving (the contract check of the
   * body comes after, outside the measured time).
   */
  async function timedPoll(runId: string, query: string) {
    const url = `${server.url}/v1/runs/${runId}/messages?${query}`
    const start = performance.now()
    const response = await fetch(url)
    const at = performance.now()
    const body = (await checkResponse('GET', url, response)) as { messages: { seq: number; type: string }[] }
    expect(response.status).toBe(200)
    return { body, at, ms: at - start }
  }

  it('answers at once with the messages after the cursor when there are some, however long it may wait', async () => {
    const run = await startRun(server.url, 'greet')
    await nextQuestion(server.url, run.id)
    const { body, ms } = await timedPoll(run.id, 'after=0&wait=30')
    expect(ms).toBeLessThan(PROMPT_MS)
    expect(body).toMatchObject({ next_after: 2, last_seq: 2, run_status: 'awaiting_input' })
    expect(body.messages.map((message) => message.type)).toEqual(['workflow_started', 'text_input'])
  })

  it('answers at once with no messages when the run has finished', async () => {
    const run = await startRun(server.url, 'echo')
    const done = await finished(server.url, run.id)
    const { body, ms } = await timedPoll(run.id, `after=${done.last_seq}&wait=30`)
    expect(ms).toBeLessThan(PROMPT_MS)
    expect(body).toEqual({ messages: [], next_after: done.last_seq, run_status: 'completed', last_seq: done.last_seq })
  })

  it('holds the request while nothing happens, then answers empty after `wait` with the same cursor', async () => {
    const run = await startRun(server.url, 'greet')
    const question = await nextQuestion(server.url, run.id)
    const { body, ms } = await timedPoll(run.id, `after=${question.seq}&wait=0.4`)
    expect(ms).toBeGreaterThanOrEqual(380)
    expect(ms).toBeLessThan(400 + PROMPT_MS)
    expect(body).toEqual({ messages: [], next_after: question.seq, run_status: 'awaiting_input', last_seq: question.seq })
    expect(store.events.listenerCount).toBe(1) // the run's own wait for its answer, nothing of the poll's
  })

  it('wakes a held poll with the new message as soon as it is appended', async () => {
    const run = await startRun(server.url, 'quiz_loop', { max_rounds: 100 })
    const wakes: number[] = []
    const deliveries: number[] = []
    for (let round = 0; round < 15; round++) {
      const question = await nextQuestion(server.url, run.id)
      const listeners = store.events.listenerCount
      const held = timedPoll(run.id, `after=${question.seq}&wait=20`)
      await waitFor(() => store.events.listenerCount > listeners, 'the poll held', { everyMs: 2 })

      // Only a stopwatch: when the store committed the reply, to split the figure below.
      let appendedAt = 0
      const stopWatching = store.subscribe(run.id, () => {
        appendedAt ||= performance.now()
      })
      const sent = performance.now()
      const reply = await answer(server.url, run.id, question.id, question.type === 'text_input' ? `note ${round}` : 'continue')
      const { body, at } = await held
      stopWatching()
      wakes.push(at - sent)
      deliveries.push(at - appendedAt)
      expect(body.messages[0]).toEqual(reply)
    }
    console.log(
      `long-poll wake (${store.kind}, ${wakes.length} wakes): reply sent → held poll answered ${summary(wakes)}; ` +
        `reply committed → held poll answered ${summary(deliveries)}`,
    )
    // Woken by the reply, never by the 20 s timer; typically within a few ms. The generous bound is
    // on the median, so one sample slowed by a busy machine (GC, other test files) does not fail it.
    for (const ms of wakes) expect(ms).toBeLessThan(2_000)
    expect(median(wakes)).toBeLessThan(PROMPT_MS)
    await call(server.url, 'POST', `/v1/runs/${run.id}/cancel`)
  })
})

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0
}

function summary(samples: number[]): string {
  return `median ${median(samples).toFixed(2)} ms, max ${Math.max(...samples).toFixed(2)} ms`
}
