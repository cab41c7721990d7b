import { request as httpRequest } from 'node:http'
import { describe, expect, it } from 'vitest'
import { greet } from '../../src/examples/questions.ts'
import { ticker } from '../../src/examples/ticker.ts'
import type { StreamEvent } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import type { StreamItem } from '../support/event-stream.ts'
import { openEvents } from '../support/event-stream.ts'
import { STORE_BACKENDS, useServedStore } from '../support/store-backends.ts'
import { startTcpProxy } from '../support/tcp-proxy.ts'
import { waitFor } from '../support/wait-for.ts'

const memory = STORE_BACKENDS.filter((backend) => backend.name === 'memory')
const seqs = (events: StreamEvent[]) => events.map((event) => event.data.seq)
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

describe.each(STORE_BACKENDS)('the event stream over a real connection ($name store)', (backend) => {
  const { store, server, app } = useServedStore(backend, [greet, ticker], { limits: { runsPerMinute: 0, maxHeldPollsPerUser: 0 } })

  it('resumes after a dropped connection from Last-Event-ID with no gap and no duplicate', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: server.port })
    try {
      const via = `http://127.0.0.1:${proxy.port}`
      const run = await startRun(server.url, 'ticker', { count: 40, interval_ms: 15 })
      const stream = await openEvents(via, run.id)
      const before = await stream.take(5)
      await proxy.cut()
      await expect(stream.rest()).rejects.toThrow()
      await proxy.restore()

      const resumed = await openEvents(via, run.id, { lastEventId: String(before.at(-1)?.data.seq) })
      const after = await resumed.rest()
      const log = await readLog(server.url, run.id)
      expect([...seqs(before), ...seqs(after)]).toEqual(oneToN(42))
      expect([...before, ...after].map((event) => event.data)).toEqual(log)
    } finally {
      await proxy.close()
    }
  })

  it('gives every stream of one run every message, in order, each once', async () => {
    const run = await startRun(server.url, 'ticker', { count: 30, interval_ms: 5 })
    const streams = await Promise.all(Array.from({ length: 20 }, () => openEvents(server.url, run.id)))
    const logs = await Promise.all(streams.map((stream) => stream.rest()))
    const reference = await readLog(server.url, run.id)
    expect(reference.map((message) => message.seq)).toEqual(oneToN(32))
    for (const log of logs) expect(log.map((event) => event.data)).toEqual(reference)
    await waitFor(() => store.events.listenerCount === 0, 'every listener is released once the streams have ended')
    expect(app.runs.polls.held).toBe(0)
  })
})

describe.each(memory)('held event streams ($name store)', (backend) => {
  const { store, server, app } = useServedStore(backend, [greet, ticker])

  it('stays open through a proxy that cuts idle connections, thanks to heartbeats', async () => {
    const IDLE_MS = 2500
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: server.port }, { idleMs: IDLE_MS })
    try {
      const via = `http://127.0.0.1:${proxy.port}`
      const run = await startRun(server.url, 'greet')
      const question = await nextQuestion(server.url, run.id)

      // Without heartbeats (one a minute), the proxy cuts the quiet stream.
      const quiet = await openEvents(via, run.id, { after: question.seq, heartbeat: 60 })
      await expect(quiet.next()).rejects.toThrow()

      // With one a second, it sees traffic more often than its idle limit: the stream outlives
      // several idle limits and still carries the next message.
      const kept = await openEvents(via, run.id, { after: question.seq, heartbeat: 1 })
      const started = Date.now()
      const items: StreamItem[] = []
      while (Date.now() - started < 2 * IDLE_MS) {
        const item = await kept.next()
        if (item === undefined) throw new Error('the stream ended')
        items.push(item)
      }
      expect(items.length).toBeGreaterThanOrEqual(2)
      expect(items.every((item) => 'comment' in item && item.comment === 'heartbeat')).toBe(true)
      const reply = await answer(server.url, run.id, question.id, 'Ada')
      const [next] = await kept.take(1)
      expect(next?.data).toEqual(reply)
      kept.close()
    } finally {
      await proxy.close()
    }
  })

  it('leaves no listener, held place or stop handler behind when the client goes away', async () => {
    const run = await startRun(server.url, 'greet')
    const question = await nextQuestion(server.url, run.id)
    // The run itself holds one listener while it waits for its answer.
    await waitFor(() => store.events.listenerCount === 1, 'the run waits for its answer')

    const STREAMS = 10
    const requests = Array.from({ length: STREAMS }, () => {
      // The longest heartbeat: no write within the wait below finds the connection gone, only the departure itself.
      const req = httpRequest(`${server.url}/v1/runs/${run.id}/events?after=${question.seq}&heartbeat=60`)
      req.on('error', () => undefined) // the destroy below surfaces here
      req.end()
      return req
    })
    await waitFor(() => app.runs.polls.held === STREAMS, 'the streams are held')
    await waitFor(() => store.events.listenerCount === 1 + STREAMS, 'each listens to the run')
    expect(app.runs.stopping.listenerCount).toBe(STREAMS)

    for (const req of requests) req.destroy()
    await waitFor(() => app.runs.polls.held === 0, 'their held places are given back')
    await waitFor(() => store.events.listenerCount === 1, 'their listeners are released')
    expect(app.runs.stopping.listenerCount).toBe(0)

    // Nothing was lost meanwhile: a new stream from the same cursor gets what came next.
    const reply = await answer(server.url, run.id, question.id, 'Ada')
    const stream = await openEvents(server.url, run.id, { after: question.seq })
    expect((await stream.take(1))[0]?.data).toEqual(reply)
    stream.close()
  })

  it('ends held streams cleanly when the server stops, as it answers held long-polls', async () => {
    const run = await startRun(server.url, 'greet')
    const question = await nextQuestion(server.url, run.id)
    const streams = await Promise.all(Array.from({ length: 5 }, () => openEvents(server.url, run.id, { after: question.seq })))
    await waitFor(() => app.runs.polls.held === 5, 'the streams are held')

    await server.close()
    // A clean end of each stream (not a cut connection, which would reject): the server ended them.
    for (const stream of streams) expect(await stream.rest()).toEqual([])
    expect(app.runs.polls.held).toBe(0)
  })
})
