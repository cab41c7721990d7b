import { afterEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { RateLimit } from '../../src/runtime/rate-limit.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { call } from '../support/contract.ts'
import { waitFor } from '../support/wait-for.ts'

/** Per-user limits that time lifts: held long-polls and the rate of starting runs (each a 429 with `Retry-After`). */

const ALICE = 'alice-key-0123456789'
const BOB = 'bob-key-01234567890'
const as = (key: string) => ({ authorization: `Bearer ${key}` })

let app: ParleyApp
let server: RunningServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
  await app?.close()
})

/** `Retry-After` as a number of seconds. */
const retryAfter = (headers: Headers) => Number(headers.get('retry-after'))

describe('held long-polls per user (limits.maxHeldPollsPerUser)', () => {
  it('answers 429 too_many_held_polls to the poll past the cap that would wait, with Retry-After; polls answered at once still pass', async () => {
    app = createApp({ workflows: [greet], limits: { maxHeldPollsPerUser: 2 }, auth: { apiKeys: { [ALICE]: 'alice', [BOB]: 'bob' } } })
    server = await serve(app, { port: 0 })
    const url = server.url
    const start = async (key: string) => (await call(url, 'POST', '/v1/runs', { body: { workflow: 'greet' }, headers: as(key) })).body
    const run = await start(ALICE)
    const question = await nextQuestionAs(url, run.id, ALICE)
    const waiting = `/v1/runs/${run.id}/messages?after=${question.seq}&wait=30`

    const first = new AbortController()
    const held = [
      call(url, 'GET', waiting, { headers: as(ALICE), signal: first.signal }).catch(() => null),
      call(url, 'GET', waiting, { headers: as(ALICE) }),
    ]
    await waitFor(() => app.runs.polls.held === 2, 'two polls held')

    const refused = await call(url, 'GET', waiting, { headers: as(ALICE) })
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({ status: 429, code: 'too_many_held_polls' })
    expect(retryAfter(refused.headers)).toBeGreaterThanOrEqual(1)
    expect(retryAfter(refused.headers)).toBeLessThanOrEqual(30)

    // Not held, so not counted: a page there is something to read in, and a poll that does not wait.
    const atOnce = await call(url, 'GET', `/v1/runs/${run.id}/messages?after=0&wait=30`, { headers: as(ALICE) })
    expect(atOnce.status).toBe(200)
    expect(atOnce.body.messages.length).toBeGreaterThan(0)
    expect((await call(url, 'GET', `/v1/runs/${run.id}/messages?after=${question.seq}&wait=0`, { headers: as(ALICE) })).status).toBe(200)

    // The cap is per user: bob holds a poll of his own while alice is at hers.
    const bobs = await start(BOB)
    const bobsQuestion = await nextQuestionAs(url, bobs.id, BOB)
    const bobHolds = call(url, 'GET', `/v1/runs/${bobs.id}/messages?after=${bobsQuestion.seq}&wait=30`, { headers: as(BOB) })
    await waitFor(() => app.runs.polls.held === 3, 'bob’s poll held')

    // One of alice's ends (her client went away): she may hold another.
    first.abort()
    await waitFor(() => app.runs.polls.held === 2, 'the abandoned poll let go')
    const again = call(url, 'GET', waiting, { headers: as(ALICE) })
    await waitFor(() => app.runs.polls.held === 3, 'a new poll held in the freed place')

    // A reply answers every held poll of the run; none was left counted.
    expect(
      (await call(url, 'POST', `/v1/runs/${run.id}/replies`, { body: { question_id: question.id, answer: 'Ada' }, headers: as(ALICE) }))
        .status,
    ).toBe(201)
    for (const page of [held[1], again]) expect((await page)?.status).toBe(200)
    expect((await call(url, 'POST', `/v1/runs/${bobs.id}/cancel`, { headers: as(BOB) })).status).toBe(200)
    expect((await bobHolds).status).toBe(200)
    expect(app.runs.polls.held).toBe(0)
    const question2 = await nextQuestionAs(url, run.id, ALICE)
    const afterAll = [1, 2].map(() =>
      call(url, 'GET', `/v1/runs/${run.id}/messages?after=${question2.seq}&wait=30`, { headers: as(ALICE) }),
    )
    await waitFor(() => app.runs.polls.held === 2, 'two held again')
    expect((await call(url, 'POST', `/v1/runs/${run.id}/cancel`, { headers: as(ALICE) })).status).toBe(200)
    for (const page of afterAll) expect((await page).status).toBe(200)
  })
})

/** `nextQuestion` as a given user. */
async function nextQuestionAs(url: string, runId: string, key: string) {
  for (let polls = 0; polls < 200; polls++) {
    const run = await call(url, 'GET', `/v1/runs/${runId}`, { headers: as(key) })
    if (run.body.pending_question) return run.body.pending_question
    await call(url, 'GET', `/v1/runs/${runId}/messages?after=${run.body.last_seq}&wait=5`, { headers: as(key) })
  }
  throw new Error(`run ${runId} never asked`)
}

describe('run starts per user per minute (limits.runsPerMinute)', () => {
  it('answers 429 rate_limited past the burst on both create operations, with Retry-After until the next token', async () => {
    app = createApp({ workflows: [greet, echo], limits: { runsPerMinute: 2 }, auth: { apiKeys: { [ALICE]: 'alice', [BOB]: 'bob' } } })
    const keyed = { ...as(ALICE), 'idempotency-key': 'order-1' }
    const first = await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet' }, headers: keyed })
    const second = await call(app, 'POST', '/v1/workflows/echo/runs', { body: { params: { text: 'hi' } }, headers: as(ALICE) })
    expect([first.status, second.status]).toEqual([201, 201])

    const refused = await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet' }, headers: as(ALICE) })
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({ status: 429, code: 'rate_limited' })
    expect(refused.body.detail).toMatch(/2 runs may be started per minute/)
    // Two a minute: a token every 30 s, and the burst was just spent.
    expect(retryAfter(refused.headers)).toBeGreaterThan(5)
    expect(retryAfter(refused.headers)).toBeLessThanOrEqual(30)
    const typed = await call(app, 'POST', '/v1/workflows/echo/runs', { body: { params: { text: 'again' } }, headers: as(ALICE) })
    expect(typed.status).toBe(429)
    expect(typed.body.code).toBe('rate_limited')
    expect(retryAfter(typed.headers)).toBeGreaterThanOrEqual(1)

    // A retry of a request that did start a run is still answered: the same run, 200.
    const replay = await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet' }, headers: keyed })
    expect(replay.status).toBe(200)
    expect(replay.body.id).toBe(first.body.id)
    const newKey = await call(app, 'POST', '/v1/runs', {
      body: { workflow: 'greet' },
      headers: { ...as(ALICE), 'idempotency-key': 'order-2' },
    })
    expect(newKey.status).toBe(429)

    // Per user: bob starts his.
    expect((await call(app, 'POST', '/v1/runs', { body: { workflow: 'greet' }, headers: as(BOB) })).status).toBe(201)
    const listed = await call(app, 'GET', '/v1/runs', { headers: as(ALICE) })
    expect(listed.body.runs).toHaveLength(2)
  })

  it('does not spend a token on a create that started nothing (an Idempotency-Key replay)', async () => {
    app = createApp({ workflows: [echo], limits: { runsPerMinute: 2 } })
    const keyed = { 'idempotency-key': 'same' }
    expect((await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo' }, headers: keyed })).status).toBe(201)
    for (let replay = 0; replay < 3; replay++) {
      expect((await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo' }, headers: keyed })).status).toBe(200)
    }
    expect((await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo' } })).status).toBe(201)
    expect((await call(app, 'POST', '/v1/runs', { body: { workflow: 'echo' } })).status).toBe(429)
  })

  it('refills one token every 60 / perMinute seconds, up to the burst', () => {
    const limit = new RateLimit(2)
    const t0 = 1_000_000
    expect([limit.take('alice', t0), limit.take('alice', t0)]).toEqual([null, null])
    expect(limit.take('alice', t0)).toBe(30)
    expect(limit.take('alice', t0 + 20_000)).toBe(10)
    expect(limit.take('alice', t0 + 30_000)).toBeNull()
    expect(limit.take('alice', t0 + 30_000)).toBe(30)
    // Idle long enough, the bucket is full again: two at once, not more.
    expect([limit.take('alice', t0 + 600_000), limit.take('alice', t0 + 600_000), limit.take('alice', t0 + 600_000)]).toEqual([
      null,
      null,
      30,
    ])
    expect(new RateLimit(0).take('alice', t0)).toBeNull()
  })
})
