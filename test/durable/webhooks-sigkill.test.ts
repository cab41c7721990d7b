import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { freePort } from '../support/cli-process.ts'
import { DURABLE_MODULE } from '../support/cluster.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, startRun } from '../support/contract-runs.ts'
import type { ServerProcess } from '../support/parley-process.ts'
import { killHard, START_TIMEOUT_MS, useParleyProcesses } from '../support/parley-process.ts'
import { waitFor } from '../support/wait-for.ts'
import type { WebhookReceiver } from '../support/webhook-receiver.ts'
import { startWebhookReceiver } from '../support/webhook-receiver.ts'

/**
 * Webhook deliveries live in the store, not in the process: a `parley serve` killed with SIGKILL
 * while a delivery is in flight, and with others queued, sends all of them once it is started
 * again — the one in flight again (at least once), none lost, in order.
 */

const processes = useParleyProcesses()
let dir: string
let port: number
let receiver: WebhookReceiver

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-webhooks-'))
  port = await freePort()
  receiver = await startWebhookReceiver()
})
afterEach(async () => {
  await receiver.close()
  rmSync(dir, { recursive: true, force: true })
})

const boot = (): Promise<ServerProcess> =>
  processes.serve([DURABLE_MODULE, '--db', join(dir, 'parley.db')], port, {
    PARLEY_WEBHOOK_ALLOW_PRIVATE: '1',
    PARLEY_WEBHOOK_RETRY_MS: '100',
  })

describe('webhook deliveries across a SIGKILL of the server', () => {
  it(
    'are all sent after the restart, the one in flight again, in order per run',
    async () => {
      let server = await boot()
      const webhook = await call(server.url, 'POST', '/v1/webhooks', {
        body: { url: receiver.url, events: ['question.created', 'question.closed', 'run.finished'] },
      })
      expect(webhook.status).toBe(201)
      // The receiver takes the first event and never answers: it is in flight when the server dies.
      receiver.answer(() => 'hold')
      const first = await startRun(server.url, 'one_question')
      const second = await startRun(server.url, 'one_question')
      await waitFor(() => receiver.requests.length >= 1, 'the first delivery to arrive')
      // The second run's question waits in the outbox (a run of its own: its lane is not behind the first's).
      await waitFor(() => receiver.requests.length >= 2, 'the second run’s delivery to arrive')
      await killHard(server)

      receiver.answer(() => 200)
      server = await boot()
      for (const run of [first, second]) {
        const question = await nextQuestion(server.url, run.id)
        await answer(server.url, run.id, question.id, 'yes')
      }
      await receiver.waitForAccepted(6)

      // Every event of each run once (as accepted), in the run's order; the two held ones sent again.
      for (const run of [first, second]) {
        const ofRun = receiver.accepted().filter((event) => (event.data.run?.id ?? event.data.id) === run.id)
        expect(ofRun.map((event) => event.type)).toEqual(['question.created', 'question.closed', 'run.finished'])
      }
      const held = receiver.requests.filter((request) => request.answered === 'held').map((request) => request.event.id)
      expect(held).toHaveLength(2)
      for (const id of held) {
        expect(receiver.requests.filter((request) => request.event.id === id).map((request) => request.answered)).toEqual(['held', 200])
      }
      const deliveries = await call(server.url, 'GET', `/v1/webhooks/${webhook.body.id}/deliveries`)
      expect(deliveries.body.deliveries.map((delivery: { status: string }) => delivery.status)).toEqual(Array(6).fill('delivered'))
    },
    START_TIMEOUT_MS * 4,
  )
})
