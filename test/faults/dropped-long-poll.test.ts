import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyClient } from '../../clients/typescript/index.ts'
import { createClient } from '../../clients/typescript/index.ts'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import { waitFor } from '../support/wait-for.ts'

let store: ReturnType<typeof createMemoryStore>
let app: ParleyApp
let server: RunningServer
let client: ParleyClient

beforeEach(async () => {
  store = createMemoryStore()
  app = createApp({ workflows: [greet, echo], store })
  server = await serve(app, { port: 0 })
  client = createClient({ baseUrl: server.url })
})
afterEach(async () => {
  await server.close()
})

/** A page of the run's log from `after`, held up to `wait` seconds. */
async function messages(runId: string, after: number, wait = 0) {
  const { data: page } = await client.GET('/v1/runs/{run_id}/messages', { params: { path: { run_id: runId }, query: { after, wait } } })
  if (!page) throw new Error(`no page of run ${runId}`)
  return page
}

/** A greet run waiting on its question: its log will not move until someone replies. */
async function quietRun(): Promise<{ id: string; lastSeq: number; questionId: string }> {
  const { data: created } = await client.startRun('greet')
  if (!created) throw new Error('no run')
  for (let i = 0; i < 100; i++) {
    const { data: run } = await client.GET('/v1/runs/{run_id}', { params: { path: { run_id: created.id } } })
    if (run?.pending_question) return { id: run.id, lastSeq: run.last_seq, questionId: run.pending_question.id }
    await sleep(10)
  }
  throw new Error('the run never asked')
}

/** Starts a held long-poll; resolves once the server holds it (its listener is registered). */
async function holdPoll(path: string, listenersBefore: number) {
  const req = httpRequest(`${server.url}${path}`)
  req.on('error', () => undefined) // the abort below surfaces here as ECONNRESET
  req.end()
  await untilListeners((count) => count > listenersBefore)
  return req
}

/** Waits for the store's count of listeners (held polls and waiting runs) to be as `expected` says. */
async function untilListeners(expected: (count: number) => boolean): Promise<void> {
  const count = () => store.events.listenerCount
  await waitFor(() => expected(count()), 'the expected listeners', { everyMs: 10, detail: count })
}

describe('a client that drops a held long-poll', () => {
  it('leaves no listener behind, and the server keeps serving', async () => {
    const run = await quietRun()
    // The run itself holds one listener while it waits for the answer.
    const baseline = store.events.listenerCount

    const req = await holdPoll(`/v1/runs/${run.id}/messages?after=${run.lastSeq}&wait=30`, baseline)
    expect(store.events.listenerCount).toBe(baseline + 1)
    req.destroy()

    await untilListeners((count) => count === baseline)
    const health = await client.GET('/healthz')
    expect(health.response.status).toBe(200)
    const page = await messages(run.id, 0)
    expect(page.messages).toHaveLength(run.lastSeq)
  })

  it('cleans up after many clients dropping at once, and the run still finishes for the one that stays', async () => {
    const run = await quietRun()
    const baseline = store.events.listenerCount

    const dropped = []
    for (let i = 0; i < 25; i++) dropped.push(await holdPoll(`/v1/runs/${run.id}/messages?after=${run.lastSeq}&wait=30`, baseline + i))
    const stays = messages(run.id, run.lastSeq, 30)
    await untilListeners((count) => count === baseline + 26)
    for (const req of dropped) req.destroy()
    await untilListeners((count) => count === baseline + 1)

    const reply = await client.reply(run.id, run.questionId, 'Ada')
    expect(reply.response.status).toBe(201)
    const woken = await stays
    expect(woken.messages[0]).toMatchObject({ type: 'reply', seq: run.lastSeq + 1 })
  })

  it('survives a socket cut halfway through the request line and one that sends garbage', async () => {
    for (const bytes of ['GET /v1/runs/x/messages?wait=30 HT', 'NOT HTTP AT ALL\r\n\r\n']) {
      await new Promise<void>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(bytes)
          setTimeout(() => {
            socket.destroy()
            resolve()
          }, 50)
        })
        socket.on('error', () => resolve())
      })
    }
    expect((await client.GET('/healthz')).response.status).toBe(200)
    expect(store.events.listenerCount).toBe(0)
  })

  it('leaves nothing behind when a poll times out or the run ends', async () => {
    const run = await quietRun()
    const baseline = store.events.listenerCount
    const timedOut = await messages(run.id, run.lastSeq, 0.2)
    expect(timedOut.messages).toEqual([])
    expect(store.events.listenerCount).toBe(baseline)

    await client.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: run.id } } })
    await untilListeners((count) => count === 0)
  })
})
