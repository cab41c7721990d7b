import { expect, it } from 'vitest'
import { describeWithPostgres, useCluster } from '../support/cluster.ts'
import { call } from '../support/contract.ts'
import { startRun, untilHeldPolls } from '../support/contract-runs.ts'
import { START_TIMEOUT_MS } from '../support/parley-process.ts'

/** The inbox across processes: a worker asks, and an inbox held on an API process answers, through PostgreSQL (NOTIFY). */

const cluster = useCluster()

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
})
