import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeWithPostgres, useCluster } from '../support/cluster.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, startRun } from '../support/contract-runs.ts'
import { killHard, START_TIMEOUT_MS } from '../support/parley-process.ts'
import { waitFor } from '../support/wait-for.ts'
import type { WebhookReceiver } from '../support/webhook-receiver.ts'
import { startWebhookReceiver } from '../support/webhook-receiver.ts'

/**
 * Webhooks on PostgreSQL: any process may die. The worker sending a delivery is killed mid-attempt;
 * another worker sends it once its claim lapses, and the run's later events after it.
 */

// A short attempt timeout makes a short claim (timeout + 5 s): the takeover comes within seconds.
const cluster = useCluster({
  PARLEY_LEASE_MS: '1500',
  PARLEY_WEBHOOK_ALLOW_PRIVATE: '1',
  PARLEY_WEBHOOK_TIMEOUT_MS: '1000',
  PARLEY_WEBHOOK_RETRY_MS: '100',
})
let receiver: WebhookReceiver
beforeEach(async () => {
  receiver = await startWebhookReceiver()
})
afterEach(async () => {
  await receiver.close()
})

describeWithPostgres('webhooks with API and worker processes on PostgreSQL', () => {
  it(
    'delivers what a killed worker was sending, from another worker, and the run’s later events after it',
    async () => {
      const [api, doomed] = await Promise.all([cluster.api(), cluster.worker()])
      if (!api || !doomed) throw new Error('no cluster')
      const webhook = await call(api.url, 'POST', '/v1/webhooks', {
        body: { url: receiver.url, events: ['question.created', 'question.closed', 'run.finished'] },
      })
      expect(webhook.status).toBe(201)
      receiver.answer(() => 'hold')
      const run = await startRun(api.url, 'one_question')
      // Queued by the worker's write (a trigger, in its transaction), claimed and sent by the only worker.
      await waitFor(() => receiver.requests.length >= 1, 'the first attempt')
      await killHard(doomed)
      receiver.answer(() => 200)
      await cluster.worker()
      const question = await nextQuestion(api.url, run.id)
      await answer(api.url, run.id, question.id, 'yes')
      await receiver.waitForAccepted(3, START_TIMEOUT_MS)

      expect(receiver.accepted().map((event) => event.type)).toEqual(['question.created', 'question.closed', 'run.finished'])
      expect(receiver.accepted()[2].data).toMatchObject({ id: run.id, status: 'completed', result: 'answered yes' })
      const first = receiver.requests[0]
      expect(first?.answered).toBe('held')
      expect(receiver.requests.filter((request) => request.event.id === first?.event.id).length).toBeGreaterThanOrEqual(2)
      // The receiver has answered the last one; the worker records it as delivered once the answer
      // reaches it, a moment later.
      const statuses = async () =>
        (await call(api.url, 'GET', `/v1/webhooks/${webhook.body.id}/deliveries`)).body.deliveries.map(
          (delivery: { status: string }) => delivery.status,
        )
      await waitFor(async () => (await statuses()).every((status: string) => status !== 'pending'), 'every delivery recorded', {
        detail: statuses,
      })
      expect(await statuses()).toEqual(['delivered', 'delivered', 'delivered'])
    },
    START_TIMEOUT_MS * 4,
  )
})
