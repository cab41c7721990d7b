import { expect, it } from 'vitest'
import { describeWithPostgres, useCluster } from '../support/cluster.ts'
import { call } from '../support/contract.ts'
import { startRun, untilHeldPolls } from '../support/contract-runs.ts'
import { START_TIMEOUT_MS } from '../support/parley-process.ts'
import { waitFor } from '../support/wait-for.ts'

/** The inbox across processes: a worker asks, and an inbox held on an API process answers, through PostgreSQL (NOTIFY). */

const cluster = useCluster()

/** A page of `GET /v1/questions` with the run id of each question. */
const runIdsOf = (page: { questions: { run: { id: string } }[] }) => page.questions.map((item) => item.run.id)

describeWithPostgres('the inbox with an API process and a worker on PostgreSQL', () => {
  it(
    'answers a held inbox when a question is asked by a worker in another process',
    async () => {
      const [api] = await Promise.all([cluster.api(), cluster.worker()])
      if (!api) throw new Error('no API process')
      const held = call(api.url, 'GET', '/v1/questions?wait=30')
      // The poll is held before the run starts: only the worker's announcement can answer it with the question.
      await untilHeldPolls(api.url, 1)
      const run = await startRun(api.url, 'one_question')
      const inbox = await held
      expect(inbox.status).toBe(200)
      expect(inbox.body.questions.map((item: { run: { id: string } }) => item.run.id)).toEqual([run.id])
      expect(inbox.body.questions[0]).toMatchObject({ status: 'pending', mine: true, run: { workflow: 'one_question' } })
    },
    START_TIMEOUT_MS * 3,
  )

  it(
    'answers an inbox held on an API process that lost its listening connection, when it is back, with the question it did not hear of',
    async () => {
      const { one, two, own } = await cluster.apisWithOneCuttable()
      // Held on API 2 with nothing to show; the wait is long, so only a wake-up can answer it with a question.
      const held = call(two.url, 'GET', '/v1/questions?wait=50')
      await untilHeldPolls(two.url, 1)
      await own.cut() // API 2 loses its connections, the listening one included
      const run = await startRun(one.url, 'one_question')
      await waitFor(async () => runIdsOf((await call(one.url, 'GET', '/v1/questions')).body).includes(run.id), 'the question asked')
      await own.restore()
      // Without the re-check on reconnecting, the poll would end empty when its 50 s are up.
      const inbox = await held
      expect(inbox.status).toBe(200)
      expect(runIdsOf(inbox.body)).toEqual([run.id])
    },
    START_TIMEOUT_MS * 3,
  )
})
