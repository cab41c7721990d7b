import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeWithPostgres, useCluster } from '../support/cluster.ts'
import type { StreamEvent } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { openEvents } from '../support/event-stream.ts'
import { START_TIMEOUT_MS } from '../support/parley-process.ts'
import type { Witness } from '../support/witness.ts'
import { startWitness } from '../support/witness.ts'

/**
 * Token streaming across processes: the worker generating a reply is not the API process a
 * client follows, and the deltas reach it through PostgreSQL (NOTIFY), in order, after the
 * messages they follow. The offline model streams, a word every few milliseconds.
 */

const cluster = useCluster()
let witness: Witness
beforeEach(async () => {
  witness = await startWitness()
})
afterEach(() => witness.close())

describeWithPostgres('token streaming with an API process and a worker on PostgreSQL', () => {
  it(
    "shows each reply growing on the API's event stream though another process writes it",
    async () => {
      const [api] = await Promise.all([cluster.api(), cluster.worker({ PARLEY_OFFLINE_TOKEN_DELAY_MS: '5' })])
      if (!api) throw new Error('no API process')
      const run = await startRun(api.url, 'agent_chat', { witness: witness.url, max_turns: 2 })
      const stream = await openEvents(api.url, run.id)
      await answer(api.url, run.id, (await nextQuestion(api.url, run.id)).id, 'fractions')
      const events = await stream.rest()

      const messages = events.filter((event) => event.event === 'message').map((event) => event.data)
      expect(messages).toEqual(await readLog(api.url, run.id))
      const streamed = messages.filter((message) =>
        events.some((event) => event.event === 'text_delta' && event.data.message_ref === message.id),
      )
      // The teacher's answer after its tool call (the offline model then says TERMINATE), whole.
      expect(streamed.map((message) => message.sender)).toEqual(['Teacher'])
      for (const message of streamed) {
        const at = events.findIndex((event) => event.event === 'message' && event.data.id === message.id)
        const deltas = events.filter((event: StreamEvent) => event.event === 'text_delta' && event.data.message_ref === message.id)
        expect(deltas.map((event) => event.data.index)).toEqual(deltas.map((_, index) => index))
        expect(deltas.map((event) => event.data.delta).join('')).toBe(message.content.body)
        expect(events.lastIndexOf(deltas.at(-1) as StreamEvent)).toBeLessThan(at)
      }
    },
    START_TIMEOUT_MS * 3,
  )
})
