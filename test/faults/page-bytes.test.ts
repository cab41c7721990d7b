import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import type { MessageDraft } from '../../src/schemas/messages.ts'
import { drain, send } from '../support/app-requests.ts'
import { STORE_BACKENDS, useOpenedStore } from '../support/store-backends.ts'

/** Pages of a run's log are bounded by bytes as well as by count, and always hold one message. */

const KIB = 1024
const text = (body: string): MessageDraft => ({
  type: 'text_message',
  content: { body },
  sender: 'Bot',
  recipient: 'User',
  auto_reply: false,
})
const bytesOf = (messages: unknown[]) => messages.reduce<number>((sum, message) => sum + Buffer.byteLength(JSON.stringify(message)), 0)

/** Emits `count` text messages of `kib` KiB each. */
const bulky = defineWorkflow({
  name: 'bulky',
  description: 'Emits large messages',
  params: z.object({ count: z.int().min(1).max(50), kib: z.int().min(1).max(200) }),
  async run(ui, params) {
    for (let i = 1; i <= params.count; i++) await ui.textMessage({ body: `${i}:${'x'.repeat(params.kib * KIB)}` })
    return 'done'
  },
})

describe.each(STORE_BACKENDS)('a page of the $name store', (backend) => {
  const store = useOpenedStore(backend)

  it('stops at the byte budget, always holds the first message, and is bounded by count alone without one', async () => {
    const created = await store.createRun({
      user_id: 'alice',
      workflow: 'bulky',
      params: {},
      idempotency_key: null,
      request_hash: null,
      max_active_runs: 10,
    })
    if (created.kind !== 'created') throw new Error(created.kind)
    const runId = created.run.id
    for (let i = 1; i <= 5; i++) await store.append(runId, text(`${i}:${'é'.repeat(50 * KIB)}`))
    const size = bytesOf([(await store.listMessages(runId, 0, 1))[0]])
    expect(size).toBeGreaterThan(100 * KIB) // two bytes a character: bytes are counted, not characters

    const seqs = (messages: { seq: number }[]) => messages.map((message) => message.seq)
    expect(seqs(await store.listMessages(runId, 0, 100, 2 * size + 10))).toEqual([1, 2])
    expect(seqs(await store.listMessages(runId, 2, 100, 2 * size + 10))).toEqual([3, 4])
    expect(seqs(await store.listMessages(runId, 0, 100, 10))).toEqual([1])
    expect(seqs(await store.listMessages(runId, 4, 100, 10))).toEqual([5])
    expect(seqs(await store.listMessages(runId, 0, 3, 100 * size))).toEqual([1, 2, 3])
    expect(seqs(await store.listMessages(runId, 0, 100))).toEqual([1, 2, 3, 4, 5])

    const page = await store.readPage(runId, 1, 100, 3 * size + 10)
    expect(page?.run.last_seq).toBe(5)
    expect(seqs(page?.messages ?? [])).toEqual([2, 3, 4])
    expect(seqs((await store.readPage(runId, 0, 100, 1))?.messages ?? [])).toEqual([1])
    expect(seqs((await store.readPage(runId, 0, 100))?.messages ?? [])).toEqual([1, 2, 3, 4, 5])
  })
})

describe('listMessages pages (GET /v1/runs/{run_id}/messages)', () => {
  let app: ParleyApp
  afterEach(async () => {
    await app?.close()
  })

  it('stop at the page byte budget however large `limit` is; following next_after reads every message once', async () => {
    app = createApp({ workflows: [bulky], limits: { maxPageBytes: 300 * KIB } })
    const started = await send(app, 'POST', '/v1/workflows/bulky/runs', { body: { params: { count: 12, kib: 100 } } })
    expect(started.status).toBe(201)
    const runId = started.body.id
    await drain(app, runId)

    const seen: number[] = []
    let after = 0
    for (let pages = 0; pages < 20; pages++) {
      const page = await send(app, 'GET', `/v1/runs/${runId}/messages?after=${after}&limit=1000`)
      expect(page.status).toBe(200)
      if (page.body.messages.length === 0) break
      expect(bytesOf(page.body.messages)).toBeLessThanOrEqual(300 * KIB)
      seen.push(...page.body.messages.map((message: { seq: number }) => message.seq))
      expect(page.body.next_after).toBe(page.body.messages.at(-1).seq)
      after = page.body.next_after
    }
    const last = (await send(app, 'GET', `/v1/runs/${runId}`)).body.last_seq
    expect(seen).toEqual(Array.from({ length: last }, (_, i) => i + 1))
    // The 12 large messages cannot fit in fewer than 12 / 2 pages.
    const first = await send(app, 'GET', `/v1/runs/${runId}/messages?after=0&limit=1000`)
    expect(first.body.messages.length).toBeLessThan(last)
    expect(first.body.last_seq).toBeGreaterThan(first.body.next_after)
  })

  it('holds one message when a single message is larger than the budget, so the log can always be read', async () => {
    app = createApp({ workflows: [bulky], limits: { maxPageBytes: 10 * KIB } })
    const started = await send(app, 'POST', '/v1/workflows/bulky/runs', { body: { params: { count: 3, kib: 50 } } })
    const log = await drain(app, started.body.id)
    expect(log.filter((message) => message.type === 'text_message')).toHaveLength(3)
    const page = await send(app, 'GET', `/v1/runs/${started.body.id}/messages?after=1&limit=1000`)
    expect(page.body.messages.map((message: { seq: number }) => message.seq)).toEqual([2])
    expect(page.body.next_after).toBe(2)
  })
})
