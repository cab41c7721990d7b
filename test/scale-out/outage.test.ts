import { expect, it } from 'vitest'
import type { Message } from '../../clients/typescript/index.ts'
import { createClient } from '../../clients/typescript/index.ts'
import { describeWithPostgres, useCluster } from '../support/cluster.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun, untilHeldPolls } from '../support/contract-runs.ts'
import { START_TIMEOUT_MS } from '../support/parley-process.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * PostgreSQL out of reach — for one process (its listening connection lost) or for all of them
 * (a restart, a partition): requests get 503 problems meanwhile, nothing is missed, and everything
 * carries on when it is back. The outage is made by a TCP proxy between the processes and the
 * server, so that other tests sharing the server are untouched.
 */

const cluster = useCluster({ PARLEY_LEASE_MS: '1500' })

describeWithPostgres('PostgreSQL out of reach', () => {
  it(
    'for one API process: the polls it held are answered when it is back, with the messages whose notifications it missed',
    async () => {
      const { one, two, own } = await cluster.apisWithOneCuttable()
      const runs = await Promise.all(Array.from({ length: 10 }, () => startRun(one.url, 'quiz_loop', { max_rounds: 1 })))
      const questions = await Promise.all(runs.map((run) => nextQuestion(two.url, run.id)))
      // Held on API 2, with its listening connection up (the poll went through the store first).
      const held = runs.map((run, index) =>
        fetch(`${two.url}/v1/runs/${run.id}/messages?after=${questions[index]?.seq}&wait=40`).then(async (response) => ({
          status: response.status,
          page: await response.json(),
        })),
      )
      await untilHeldPolls(two.url, runs.length)
      await own.cut() // API 2 loses every connection, its listening one included
      for (const [index, run] of runs.entries()) await answer(one.url, run.id, questions[index]?.id, `note ${index}`)
      await own.restore()

      // Each poll is answered with its reply — the notification was missed, the re-check on reconnecting was not.
      for (const [index, poll] of (await Promise.all(held)).entries()) {
        expect(poll.status).toBe(200)
        expect(poll.page.messages[0]).toMatchObject({ type: 'reply', content: { answer: `note ${index}` } })
      }
    },
    START_TIMEOUT_MS * 3,
  )

  it(
    'for one API process while a poll waits on it: the poll ends in a 503 store_unavailable problem with Retry-After, as any request then',
    async () => {
      const { one, two, own } = await cluster.apisWithOneCuttable()
      const run = await startRun(one.url, 'quiz_loop', { max_rounds: 1 })
      const question = await nextQuestion(two.url, run.id)
      // Waiting on API 2, answered on the Node response once it is over (src/http/detached-answer.ts);
      // long enough that the cut comes first however loaded the machine.
      const held = call(two.url, 'GET', `/v1/runs/${run.id}/messages?after=${question.seq}&wait=5`)
      await untilHeldPolls(two.url, 1)
      await own.cut()
      const refused = await held
      expect(refused.status).toBe(503)
      expect(refused.body).toMatchObject({ code: 'store_unavailable', instance: `/v1/runs/${run.id}/messages` })
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
      await own.restore()
      // Back: the poll from the same cursor is answered with the reply.
      const again = call(two.url, 'GET', `/v1/runs/${run.id}/messages?after=${question.seq}&wait=20`)
      await answer(one.url, run.id, question.id, 'back')
      expect((await again).body.messages[0]).toMatchObject({ type: 'reply', content: { answer: 'back' } })
    },
    START_TIMEOUT_MS * 3,
  )

  it(
    'for every process: 503 store_unavailable with Retry-After meanwhile, then the runs carry on, each message once',
    async () => {
      const [api] = await Promise.all([cluster.api(), cluster.worker()])
      if (!api) throw new Error('not started')
      const client = createClient({ baseUrl: api.url })
      const runs = await Promise.all(Array.from({ length: 5 }, () => startRun(api.url, 'ticker', { count: 8, interval_ms: 300 })))
      const followed = runs.map(async (run) => {
        const seen: Message[] = []
        for await (const message of client.messages(run.id, { wait: 5, retries: 60 })) seen.push(message)
        return seen
      })
      await waitFor(async () => (await call(api.url, 'GET', `/v1/runs/${runs[0]?.id}`)).body.last_seq >= 3, 'tick 2 of the first run')

      await cluster.proxy.cut()
      const refused = await call(api.url, 'GET', `/v1/runs/${runs[0]?.id}`)
      expect(refused.status).toBe(503)
      expect(refused.body.code).toBe('store_unavailable')
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      await cluster.proxy.restore()

      for (const [index, run] of runs.entries()) {
        const seen = (await followed[index]) ?? []
        const log = await readLog(api.url, run.id)
        expect(seen.map((message) => message.id)).toEqual(log.map((message) => message.id))
        expect(log.filter((message) => message.type === 'text_message').map((message) => message.content.body)).toEqual(
          Array.from({ length: 8 }, (_, tick) => `tick ${tick + 1}/8`),
        )
        expect((await call(api.url, 'GET', `/v1/runs/${run.id}`)).body.status).toBe('completed')
      }
    },
    START_TIMEOUT_MS * 3,
  )
})
