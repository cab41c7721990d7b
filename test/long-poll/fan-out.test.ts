import { describe, expect, it } from 'vitest'
import { greet } from '../../src/examples/questions.ts'
import { ticker } from '../../src/examples/ticker.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { STORE_BACKENDS, useServedStore } from '../support/store-backends.ts'

describe.each(STORE_BACKENDS)('many clients, one server ($name store)', (backend) => {
  // 100 runs of one user (auth off) start and are polled at once below: the per-user rates are lifted.
  const { store, server } = useServedStore(backend, [greet, ticker], { limits: { runsPerMinute: 0, maxHeldPollsPerUser: 0 } })

  it('gives every poller of one run the same messages, in the same order, each once', async () => {
    const run = await startRun(server.url, 'ticker', { count: 30, interval_ms: 5 })
    const pollers = Array.from({ length: 20 }, () => readLog(server.url, run.id))
    const logs = await Promise.all(pollers)
    const reference = logs[0] ?? []
    expect(reference.map((message) => message.seq)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1))
    for (const log of logs) expect(log).toEqual(reference)
    expect(store.events.listenerCount).toBe(0)
  })

  it('wakes every poller held on a run when its question is answered', async () => {
    const run = await startRun(server.url, 'greet')
    const question = await nextQuestion(server.url, run.id)
    const listeners = store.events.listenerCount
    const held = Array.from({ length: 25 }, () => call(server.url, 'GET', `/v1/runs/${run.id}/messages?after=${question.seq}&wait=30`))
    for (let i = 0; i < 500 && store.events.listenerCount < listeners + 25; i++) await new Promise((resolve) => setTimeout(resolve, 5))

    const reply = await answer(server.url, run.id, question.id, 'Ada')
    const pages = await Promise.all(held)
    for (const page of pages) {
      expect(page.status).toBe(200)
      expect(page.body.messages[0]).toEqual(reply)
    }
    await call(server.url, 'POST', `/v1/runs/${run.id}/cancel`)
  })

  it('keeps 100 concurrent runs apart: each reply lands in its own run and its result reflects its own answer', async () => {
    const count = 100
    const outcomes = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const name = `user-${i}`
        const mood = i % 2 === 0 ? 'good' : 'bad'
        const run = await startRun(server.url, 'greet', { greeting: `Hi ${i}` })
        const asked = await nextQuestion(server.url, run.id)
        await answer(server.url, run.id, asked.id, name)
        const choice = await nextQuestion(server.url, run.id)
        await answer(server.url, run.id, choice.id, mood)
        const log = await readLog(server.url, run.id)
        const done = (await call(server.url, 'GET', `/v1/runs/${run.id}`)).body
        return { i, name, mood, run: done, log }
      }),
    )
    expect(new Set(outcomes.map((outcome) => outcome.run.id)).size).toBe(count)
    for (const { i, name, mood, run, log } of outcomes) {
      expect(run).toMatchObject({ status: 'completed', result: `greeted ${name}` })
      expect(log.every((message) => message.run_id === run.id)).toBe(true)
      expect(log.map((message) => message.seq)).toEqual(log.map((_, index) => index + 1))
      const replies = log.filter((message) => message.type === 'reply').map((message) => message.content.answer)
      expect(replies).toEqual([name, mood])
      const said = log.find((message) => message.type === 'text_message')
      expect(said?.content.body).toBe(`Hi ${i}, ${name} (${mood})`)
    }
    expect(store.events.listenerCount).toBe(0)
  })
})
