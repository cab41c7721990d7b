import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import type { MessagePage } from '../../clients/typescript/index.ts'
import { echo } from '../../src/examples/message-types.ts'
import { greet, quiz_loop } from '../../src/examples/questions.ts'
import { call, checkResponse } from '../support/contract.ts'
import { answer, finished, nextQuestion, startRun } from '../support/contract-runs.ts'
import { STORE_BACKENDS, useServedStore } from '../support/store-backends.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * These tests assert order and cause: a poll with something to return is answered before its
 * `wait` could have run out, one with nothing is held for its `wait`, and a held one is answered
 * by the reply it returns. The only clock bounds are the `wait`s themselves (a timer never fires
 * early) and sanity bounds far from them, which a loaded two-core machine does not miss. How fast
 * it is on a healthy machine is printed, and measured by `npm run bench`.
 */

/** A `wait` no test here reaches: a poll answered within half of it was not answered by its timer. */
const LONG_WAIT_S = 30
const ANSWERED_BEFORE_WAIT_MS = (LONG_WAIT_S * 1000) / 2

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
    expect(response.status).toBe(200)
    const body = (await checkResponse('GET', url, response)) as MessagePage
    return { body, at, ms: at - start }
  }

  it('answers at once with the messages after the cursor when there are some, however long it may wait', async () => {
    const run = await startRun(server.url, 'greet')
    await nextQuestion(server.url, run.id)
    const { body, ms } = await timedPoll(run.id, `after=0&wait=${LONG_WAIT_S}`)
    expect(ms).toBeLessThan(ANSWERED_BEFORE_WAIT_MS)
    expect(body).toMatchObject({ next_after: 2, last_seq: 2, run_status: 'awaiting_input' })
    expect(body.messages.map((message) => message.type)).toEqual(['workflow_started', 'text_input'])
  })

  it('answers at once with no messages when the run has finished', async () => {
    const run = await startRun(server.url, 'echo')
    const done = await finished(server.url, run.id)
    const { body, ms } = await timedPoll(run.id, `after=${done.last_seq}&wait=${LONG_WAIT_S}`)
    expect(ms).toBeLessThan(ANSWERED_BEFORE_WAIT_MS)
    expect(body).toEqual({ messages: [], next_after: done.last_seq, run_status: 'completed', last_seq: done.last_seq })
  })

  it('holds the request while nothing happens, then answers empty after `wait` with the same cursor', async () => {
    const run = await startRun(server.url, 'greet')
    const question = await nextQuestion(server.url, run.id)
    const { body, ms } = await timedPoll(run.id, `after=${question.seq}&wait=0.4`)
    // Held for its wait (a timer does not fire early; 20 ms for clock granularity), then answered.
    expect(ms).toBeGreaterThanOrEqual(380)
    expect(ms).toBeLessThan(ANSWERED_BEFORE_WAIT_MS)
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
      let answered = false
      const held = timedPoll(run.id, `after=${question.seq}&wait=${LONG_WAIT_S}`).finally(() => {
        answered = true
      })
      await waitFor(() => store.events.listenerCount > listeners, 'the poll held', { everyMs: 2 })

      // Only a stopwatch: when the store committed the reply, to split the figure printed below.
      let appendedAt = 0
      const stopWatching = store.subscribe(run.id, () => {
        appendedAt ||= performance.now()
      })
      // The order the test is about: the poll is held and still unanswered, then the reply is sent,
      // then the poll answers with that reply, long before its wait could have run out.
      expect(answered).toBe(false)
      const sent = performance.now()
      const reply = await answer(server.url, run.id, question.id, question.type === 'text_input' ? `note ${round}` : 'continue')
      const { body, at } = await held
      stopWatching()
      expect(body.messages[0]).toEqual(reply)
      expect(at).toBeGreaterThanOrEqual(sent)
      expect(at - sent).toBeLessThan(ANSWERED_BEFORE_WAIT_MS)
      wakes.push(at - sent)
      deliveries.push(at - appendedAt)
    }
    console.log(
      `long-poll wake (${store.kind}, ${wakes.length} wakes): reply sent → held poll answered ${summary(wakes)}; ` +
        `reply committed → held poll answered ${summary(deliveries)}`,
    )
    await call(server.url, 'POST', `/v1/runs/${run.id}/cancel`)
  })
})

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0
}

function summary(samples: number[]): string {
  return `median ${median(samples).toFixed(2)} ms, max ${Math.max(...samples).toFixed(2)} ms`
}
