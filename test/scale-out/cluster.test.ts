import { expect, it } from 'vitest'
import { describeWithPostgres, useCluster } from '../support/cluster.ts'
import { call } from '../support/contract.ts'
import { answer, listMessages, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { START_TIMEOUT_MS } from '../support/parley-process.ts'

/**
 * Two API processes and two workers on one PostgreSQL schema, as a load balancer would spread
 * requests: no request needs the process that saw the run before.
 */

// 200 runs of one user (auth off) start at once below: the per-user start rate is lifted.
const cluster = useCluster({ PARLEY_RUNS_PER_MINUTE: '0' })

describeWithPostgres('two API processes and two workers on PostgreSQL', () => {
  it(
    'starts a run on one API, follows it on the other, answers and cancels on either: the same messages, cursor and errors',
    async () => {
      const [one, two] = await Promise.all([cluster.api(), cluster.api(), cluster.worker(), cluster.worker()])
      if (!one || !two) throw new Error('no API processes')
      const run = await startRun(one.url, 'quiz_loop', { max_rounds: 3 })
      // A poll held on API 2 is woken by the worker's append through LISTEN/NOTIFY.
      const started = await listMessages(two.url, run.id, 'after=0&wait=10')
      expect(started.body.messages[0]?.type).toBe('workflow_started')
      const question = await nextQuestion(two.url, run.id)
      const held = listMessages(two.url, run.id, `after=${question.seq}&wait=20`)
      await answer(one.url, run.id, question.id, 'hello')
      expect((await held).body.messages[0]).toMatchObject({ type: 'reply', content: { question_id: question.id, answer: 'hello' } })

      // The same problems from either process.
      const again = await call(two.url, 'POST', `/v1/runs/${run.id}/replies`, { body: { question_id: question.id, answer: 'other' } })
      expect(again.status).toBe(409)
      expect(again.body.code).toBe('question_not_pending')

      // A cancel on API 2 stops the run where a worker executes it, at once in the store.
      await nextQuestion(one.url, run.id)
      expect((await call(two.url, 'POST', `/v1/runs/${run.id}/cancel`)).status).toBe(200)
      const log = await readLog(one.url, run.id)
      expect(log.slice(-2).map((message) => message.type)).toEqual(['system_message', 'workflow_completed'])
      expect(log.map((message) => message.seq)).toEqual(log.map((_, index) => index + 1))
      expect((await readLog(two.url, run.id)).map((message) => message.id)).toEqual(log.map((message) => message.id))
      expect((await call(two.url, 'GET', `/v1/runs/${run.id}`)).body.status).toBe('cancelled')
    },
    START_TIMEOUT_MS * 3,
  )

  it(
    'keeps 200 concurrent runs apart across both APIs and both workers: no gap, no duplicate, no cross-talk',
    async () => {
      const apis = await Promise.all([cluster.api(), cluster.api()])
      await Promise.all([cluster.worker(), cluster.worker()])
      const urls = apis.map((api) => api.url)
      const at = (index: number) => urls[index % 2] ?? ''
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, index) => {
          const run = await startRun(at(index), 'quiz_loop', { max_rounds: 2 })
          const note = await nextQuestion(at(index + 1), run.id)
          await answer(at(index), run.id, note.id, `note ${index}`)
          const next = await nextQuestion(at(index + 1), run.id)
          await answer(at(index + 1), run.id, next.id, 'stop')
          const log = await readLog(at(index), run.id)
          return { index, run: (await call(at(index + 1), 'GET', `/v1/runs/${run.id}`)).body, log }
        }),
      )
      for (const { index, run, log } of results) {
        expect(run).toMatchObject({ status: 'completed', result: `1 note(s): note ${index}` })
        expect(log.map((message) => message.seq)).toEqual(log.map((_, position) => position + 1))
        expect(log.map((message) => message.type)).toEqual([
          'workflow_started',
          'text_input',
          'reply',
          'text_message',
          'multiple_choice',
          'reply',
          'workflow_completed',
        ])
        expect(log[3].content.body).toBe(`Noted: note ${index}`)
      }
    },
    START_TIMEOUT_MS * 6,
  )

  it(
    'holds per-user limits, idempotency keys and ownership across API processes, in the database',
    async () => {
      const keys = { PARLEY_API_KEYS: 'alice-key-0123456789:alice,bob-key-0123456789:bob', PARLEY_MAX_ACTIVE_RUNS: '5' }
      const apis = await Promise.all([cluster.api(keys), cluster.api(keys)])
      await cluster.worker(keys)
      const as = (user: 'alice' | 'bob') => ({ authorization: `Bearer ${user}-key-0123456789` })
      const url = (index: number) => apis[index % 2]?.url ?? ''

      // Twenty creates at once, half on each API: the limit of five holds.
      const creates = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          call(url(index), 'POST', '/v1/runs', { body: { workflow: 'one_question' }, headers: as('alice') }),
        ),
      )
      expect(creates.filter((created) => created.status === 201)).toHaveLength(5)
      expect(creates.filter((created) => created.status === 429).map((created) => created.body.code)).toEqual(
        Array(15).fill('too_many_active_runs'),
      )

      // One Idempotency-Key sent to both APIs at once: one run.
      const keyed = await Promise.all(
        [0, 1, 2, 3].map((index) =>
          call(url(index), 'POST', '/v1/runs', {
            body: { workflow: 'one_question' },
            headers: { ...as('bob'), 'idempotency-key': 'order-42' },
          }),
        ),
      )
      expect(new Set(keyed.map((created) => created.body.id)).size).toBe(1)
      expect(keyed.map((created) => created.status).sort()).toEqual([200, 200, 200, 201])

      // Alice's run does not exist for Bob, on either API.
      const alices = creates.find((created) => created.status === 201)?.body.id
      for (const index of [0, 1]) {
        const seen = await call(url(index), 'GET', `/v1/runs/${alices}`, { headers: as('bob') })
        expect(seen.status).toBe(404)
        expect(seen.body.code).toBe('run_not_found')
      }
    },
    START_TIMEOUT_MS * 3,
  )
})
