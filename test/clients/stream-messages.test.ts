import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Message, TextDelta } from '../../clients/typescript/index.ts'
import { createClient, ParleyApiError } from '../../clients/typescript/index.ts'
import { Agent } from '../../src/agents/agent.ts'
import { greet } from '../../src/examples/questions.ts'
import { ticker } from '../../src/examples/ticker.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { contractFetch } from '../support/contract.ts'
import { startTcpProxy } from '../support/tcp-proxy.ts'
import { waitFor } from '../support/wait-for.ts'

let dir: string
let app: ParleyApp
let server: RunningServer | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-stream-'))
})
afterEach(async () => {
  await server?.close()
  server = undefined
  rmSync(dir, { recursive: true, force: true })
})

/** A server over the SQLite file in `dir` (a restart keeps the runs). */
async function boot(port = 0) {
  app = createApp({ workflows: [greet, ticker], store: createSqliteStore(join(dir, 'parley.db')) })
  server = await serve(app, { port })
  return server
}

const checked = contractFetch((request) => fetch(request))
const seqs = (messages: Message[]) => messages.map((message) => message.seq)
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

describe('client.streamMessages (Server-Sent Events)', () => {
  it('follows a run with questions to its end, each message once, as the long-poll sees it', async () => {
    const { url } = await boot()
    const client = createClient({ baseUrl: url, fetch: checked })
    const { data: run } = await client.startRun('greet', { greeting: 'Hi' })
    if (!run) throw new Error('no run')
    const seen: Message[] = []
    for await (const message of client.streamMessages(run.id)) {
      seen.push(message)
      if (message.type === 'text_input') await client.reply(run.id, message.id, 'Ada')
      if (message.type === 'multiple_choice') await client.reply(run.id, message.id, 'good')
    }
    expect(seen.map((message) => message.type)).toEqual([
      'workflow_started',
      'text_input',
      'reply',
      'multiple_choice',
      'reply',
      'text_message',
      'workflow_completed',
    ])
    const polled: Message[] = []
    for await (const message of client.messages(run.id)) polled.push(message)
    expect(seen).toEqual(polled)
  })

  it('resumes from the last message after a dropped connection: no gap, no duplicate', async () => {
    const { port } = await boot()
    const proxy = await startTcpProxy({ host: '127.0.0.1', port })
    try {
      const client = createClient({ baseUrl: `http://127.0.0.1:${proxy.port}`, fetch: checked })
      const { data: run } = await client.startRun('ticker', { count: 30, interval_ms: 20 })
      if (!run) throw new Error('no run')
      const seen: Message[] = []
      const retried: unknown[] = []
      for await (const message of client.streamMessages(run.id, { onRetry: (error) => retried.push(error) })) {
        seen.push(message)
        if (message.seq === 5) await proxy.cut().then(() => proxy.restore())
      }
      expect(retried.length).toBeGreaterThanOrEqual(1)
      expect(seqs(seen)).toEqual(oneToN(32))
      expect(seen.at(-1)?.type).toBe('workflow_completed')
    } finally {
      await proxy.close()
    }
  })

  it('goes on through a server restart (the stream ends when the server stops; it resumes on the next)', async () => {
    const { port, url } = await boot()
    const client = createClient({ baseUrl: url })
    const { data: run } = await client.startRun('ticker', { count: 3, interval_ms: 1500 })
    if (!run) throw new Error('no run')
    const seen: Message[] = []
    let restarted: Promise<unknown> | undefined
    for await (const message of client.streamMessages(run.id, { retries: 20 })) {
      seen.push(message)
      if (message.type === 'text_message' && !restarted) {
        restarted = (async () => {
          await server?.close()
          await boot(port)
        })()
      }
    }
    await restarted
    expect(seqs(seen)).toEqual(oneToN(5))
    expect(seen.at(-1)?.type).toBe('workflow_completed')
  })

  it('ends at once for a run that finished before the cursor, and throws a 4xx problem without retrying', async () => {
    const { url } = await boot()
    const client = createClient({ baseUrl: url })
    const { data: run } = await client.startRun('ticker', { count: 2, interval_ms: 0 })
    if (!run) throw new Error('no run')
    const all: Message[] = []
    for await (const message of client.streamMessages(run.id)) all.push(message)
    const none: Message[] = []
    for await (const message of client.streamMessages(run.id, { after: all.length, retries: 0 })) none.push(message)
    expect(none).toEqual([])

    let retries = 0
    const missing = client.streamMessages('no-such-run', { onRetry: () => retries++ })
    const error = await missing.next().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ParleyApiError)
    expect((error as ParleyApiError).problem?.code).toBe('run_not_found')
    expect(retries).toBe(0)
  })

  it('closes its connection when the caller stops iterating, leaving the server nothing held', async () => {
    const { url } = await boot()
    const client = createClient({ baseUrl: url })
    const { data: run } = await client.startRun('greet')
    if (!run) throw new Error('no run')
    for await (const message of client.streamMessages(run.id)) {
      if (message.type === 'text_input') {
        expect(app.runs.polls.held).toBe(1)
        break
      }
    }
    await waitFor(() => app.runs.polls.held === 0, 'the stream is let go')
  })

  it('can be stopped with its signal, which it throws', async () => {
    const { url } = await boot()
    const client = createClient({ baseUrl: url })
    const { data: run } = await client.startRun('greet')
    if (!run) throw new Error('no run')
    const stop = new AbortController()
    const follow = (async () => {
      for await (const message of client.streamMessages(run.id, { signal: stop.signal })) {
        if (message.type === 'text_input') stop.abort(new Error('enough'))
      }
    })()
    await expect(follow).rejects.toThrow('enough')
    await waitFor(() => app.runs.polls.held === 0, 'the stream is let go')
  })
})

describe('client.streamMessages with deltas', () => {
  it('yields the live text of an agent reply before the message it becomes; without the option, only messages', async () => {
    const chat = defineWorkflow({
      name: 'one_reply',
      description: 'A topic, then one streamed reply',
      async run(ui) {
        const topic = await ui.textInput({ prompt: 'Topic?' })
        const user = new Agent({ name: 'User', llm: false })
        const result = await user.run(new Agent({ name: 'Assistant' }), { message: `About ${topic}`, maxTurns: 1 })
        return result.summary
      },
    })
    app = createApp({ workflows: [chat], llm: { maxRetries: 0, timeoutMs: 1000, offlineTokenDelayMs: 1 } })
    server = await serve(app, { port: 0 })
    const client = createClient({ baseUrl: server.url, fetch: checked })
    const { data: run } = await client.startRun('one_reply')
    if (!run) throw new Error('no run')
    const items: (Message | TextDelta)[] = []
    const plain: Message[] = []
    const following = (async () => {
      for await (const item of client.streamMessages(run.id, { deltas: true })) items.push(item)
    })()
    const alsoFollowing = (async () => {
      for await (const message of client.streamMessages(run.id)) plain.push(message)
    })()
    await waitFor(() => items.some((item) => item.type === 'text_input'), 'the question')
    const question = items.find((item) => item.type === 'text_input') as Message
    await client.reply(run.id, question.id, 'owls')
    await Promise.all([following, alsoFollowing])

    const reply = items.find(
      (item): item is Extract<Message, { type: 'text_message' }> => item.type === 'text_message' && item.sender === 'Assistant',
    )
    const deltas = items.filter((item): item is TextDelta => item.type === 'text_delta')
    expect(deltas.length).toBeGreaterThan(3)
    expect(deltas.every((delta) => delta.message_ref === reply?.id)).toBe(true)
    expect(deltas.map((delta) => delta.delta).join('')).toBe(reply?.content.body)
    expect(items.indexOf(deltas.at(-1) as TextDelta)).toBeLessThan(items.indexOf(reply as Message))
    expect(plain).toEqual(items.filter((item) => item.type !== 'text_delta'))
    expect(plain.map((message) => message.type)).not.toContain('text_delta')
  })
})
