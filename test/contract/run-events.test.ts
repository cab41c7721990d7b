import { afterEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import { ticker } from '../../src/examples/ticker.ts'
import type { CreateAppOptions, ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { call } from '../support/contract.ts'
import { answer, fieldsOf, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { contractStore } from '../support/contract-store.ts'
import { openEvents } from '../support/event-stream.ts'
import { waitFor } from '../support/wait-for.ts'

const ALICE = 'key-alice-0123456789'
const BOB = 'key-bob-0123456789ab'

let app: ParleyApp
const open = (options: Partial<CreateAppOptions> = {}) => {
  app = createApp({ workflows: [echo, greet, ticker], ...contractStore(), ...options })
  return app
}
afterEach(async () => {
  await app.close()
})

const seqs = (events: { data: { seq: number } }[]) => events.map((event) => event.data.seq)

describe('streamRunEvents (GET /v1/runs/{run_id}/events)', () => {
  it('sends a finished run’s whole log, each message exactly as listMessages returns it, ids its seqs, and ends', async () => {
    open()
    const run = await startRun(app, 'ticker', { count: 4, interval_ms: 0 })
    const log = await readLog(app, run.id)

    const streamed = await call(app, 'GET', `/v1/runs/${run.id}/events`)
    expect(streamed.status).toBe(200)
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(streamed.headers.get('cache-control')).toBe('no-cache')
    expect(streamed.body.map((event: { data: unknown }) => event.data)).toEqual(log)
    expect(streamed.body.map((event: { id: string }) => event.id)).toEqual(log.map((message) => String(message.seq)))
    expect(streamed.body.every((event: { event: string }) => event.event === 'message')).toBe(true)
    expect(log.at(-1).type).toBe('workflow_completed')
  })

  it('resumes after Last-Event-ID, which wins over after; with neither it starts at the beginning', async () => {
    open()
    const run = await startRun(app, 'ticker', { count: 5, interval_ms: 0 })
    const log = await readLog(app, run.id)

    const fromHeader = await openEvents(app, run.id, { after: 1, lastEventId: '4' })
    expect(seqs(await fromHeader.rest())).toEqual(log.slice(4).map((message) => message.seq))
    const fromQuery = await openEvents(app, run.id, { after: 5 })
    expect((await fromQuery.rest()).map((event) => event.data)).toEqual(log.slice(5))
    const whole = await openEvents(app, run.id)
    expect(seqs(await whole.rest())).toEqual(log.map((message) => message.seq))
    const pastTheEnd = await openEvents(app, run.id, { lastEventId: String(log.length + 10) })
    expect(await pastTheEnd.rest()).toEqual([])
  })

  it('follows a live run: the question, then the reply and what follows as they happen, ending after workflow_completed', async () => {
    open()
    const run = await startRun(app, 'greet')
    const stream = await openEvents(app, run.id)
    const [started, asked] = await stream.take(2)
    expect([started?.data.type, asked?.data.type]).toEqual(['workflow_started', 'text_input'])

    const reply = await answer(app, run.id, asked?.data.id, 'Ada')
    const [replied, mood] = await stream.take(2)
    expect(replied?.data).toEqual(reply)
    expect(mood?.data.type).toBe('multiple_choice')
    await answer(app, run.id, mood?.data.id, 'good')

    const rest = await stream.rest()
    expect(rest.map((event) => event.data.type)).toEqual(['reply', 'text_message', 'workflow_completed'])
    const log = await readLog(app, run.id)
    expect([started, asked, replied, mood, ...rest].map((event) => event?.data)).toEqual(log)
  })

  it('counts as a held poll while it is open, and gives its place back when the client goes away', async () => {
    open({ limits: { maxHeldPollsPerUser: 2 } })
    const run = await startRun(app, 'greet')
    await nextQuestion(app, run.id)
    const first = await openEvents(app, run.id)
    const second = await openEvents(app, run.id)
    await first.take(2)
    expect(app.runs.polls.held).toBe(2)

    const refused = await openEvents(app, run.id)
    expect(refused.status).toBe(429)
    expect(refused.problem.code).toBe('too_many_held_polls')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    // A long-poll that would wait is refused too: the same places.
    const poll = await call(app, 'GET', `/v1/runs/${run.id}/messages?after=2&wait=5`)
    expect(poll.status).toBe(429)

    first.close()
    await waitFor(() => app.runs.polls.held === 1, 'the stream that went away gives its place back')
    const third = await openEvents(app, run.id)
    expect(third.status).toBe(200)
    second.close()
    third.close()
    await waitFor(() => app.runs.polls.held === 0, 'every place is given back')
    expect(app.runs.stopping.listenerCount).toBe(0)
  })

  it('takes no place for a run already finished, nor for HEAD', async () => {
    open({ limits: { maxHeldPollsPerUser: 1 } })
    // Finished (and waited for) before the one place is taken.
    const done = await startRun(app, 'echo', { text: 'hi' })
    await readLog(app, done.id)
    const waiting = await startRun(app, 'greet')
    await nextQuestion(app, waiting.id)
    const held = await openEvents(app, waiting.id)
    const finished = await call(app, 'GET', `/v1/runs/${done.id}/events`)
    expect(finished.status).toBe(200)
    expect(finished.body.at(-1).data.type).toBe('workflow_completed')
    held.close()
    await waitFor(() => app.runs.polls.held === 0, 'the held stream is let go')

    const head = await call(app, 'HEAD', `/v1/runs/${waiting.id}/events`)
    expect(head.status).toBe(200)
    expect(app.runs.polls.held).toBe(0)
  })

  it('answers 404 run_not_found for an unknown run, before any stream', async () => {
    open()
    const missing = await openEvents(app, 'no-such-run')
    expect(missing.status).toBe(404)
    expect(missing.problem.code).toBe('run_not_found')
  })

  it('answers 422 naming the parameter for a heartbeat, after or Last-Event-ID out of bounds', async () => {
    open()
    const run = await startRun(app, 'echo')
    const cases: [Parameters<typeof openEvents>[2], string][] = [
      [{ heartbeat: 0.5 }, 'query.heartbeat'],
      [{ heartbeat: 61 }, 'query.heartbeat'],
      [{ after: -1 }, 'query.after'],
      [{ lastEventId: 'abc' }, 'header.last-event-id'],
      [{ lastEventId: '-3' }, 'header.last-event-id'],
    ]
    for (const [options, field] of cases) {
      const refused = await openEvents(app, run.id, options)
      expect(refused.status, field).toBe(422)
      expect(refused.problem.code).toBe('validation_failed')
      expect(fieldsOf(refused.problem), JSON.stringify(options)).toEqual([field])
    }
  })

  it('is 401 without a key and 404 for another user’s run, exactly as for no run at all', async () => {
    open({ auth: { apiKeys: { [ALICE]: 'alice', [BOB]: 'bob' } } })
    const created = await call(app, 'POST', '/v1/runs', {
      body: { workflow: 'greet' },
      headers: { authorization: `Bearer ${ALICE}` },
    })
    const runId = created.body.id as string

    const anonymous = await openEvents(app, runId)
    expect(anonymous.status).toBe(401)
    expect(anonymous.problem.code).toBe('unauthorized')

    const bobs = await openEvents(app, runId, { key: BOB })
    const nobodys = await openEvents(app, 'f0f0f0f0-0000-4000-8000-000000000000', { key: BOB })
    expect(bobs.status).toBe(404)
    expect(bobs.problem.code).toBe('run_not_found')
    expect(bobs.problem.detail.replace(runId, '<id>')).toBe(nobodys.problem.detail.replace('f0f0f0f0-0000-4000-8000-000000000000', '<id>'))
    expect(app.runs.polls.held).toBe(0)

    const alices = await openEvents(app, runId, { key: ALICE })
    expect(alices.status).toBe(200)
    expect((await alices.take(1))[0]?.data.type).toBe('workflow_started')
    alices.close()
    await call(app, 'POST', `/v1/runs/${runId}/cancel`, { headers: { authorization: `Bearer ${ALICE}` } })
  })
})
