import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { drain, pendingQuestion, send } from '../support/app-requests.ts'

const ALICE = 'key-alice-0123456789'
const BOB = 'key-bob-0123456789ab'

let app: ParleyApp
beforeEach(() => {
  app = createApp({ workflows: [greet, echo], auth: { apiKeys: { [ALICE]: 'alice', [BOB]: 'bob' } } })
})
afterEach(async () => {
  await app.close()
})

/** Alice's greet run, waiting on its first question. */
async function alicesRunWithAQuestion() {
  const created = await send(app, 'POST', '/v1/runs', { key: ALICE, body: { workflow: 'greet' } })
  expect(created.status).toBe(201)
  const question = await pendingQuestion(app, created.body.id, { key: ALICE })
  return { runId: created.body.id as string, questionId: question.id as string }
}

describe('a run belongs to the user who created it', () => {
  it('is 404 run_not_found for another user on getRun, listMessages, replyToQuestion and cancelRun', async () => {
    const { runId, questionId } = await alicesRunWithAQuestion()

    const attempts = [
      await send(app, 'GET', `/v1/runs/${runId}`, { key: BOB }),
      await send(app, 'GET', `/v1/runs/${runId}/messages`, { key: BOB }),
      await send(app, 'POST', `/v1/runs/${runId}/replies`, { key: BOB, body: { question_id: questionId, answer: 'Mallory' } }),
      await send(app, 'POST', `/v1/runs/${runId}/cancel`, { key: BOB }),
    ]
    for (const attempt of attempts) {
      expect(attempt.status).toBe(404)
      expect(attempt.headers.get('content-type')).toBe('application/problem+json')
      expect(attempt.body.code).toBe('run_not_found')
    }
  })

  it('answers another user exactly as for a run that does not exist (no existence leak)', async () => {
    const { runId } = await alicesRunWithAQuestion()
    const missing = 'f0f0f0f0-0000-4000-8000-000000000000'
    const paths = (id: string) => [`/v1/runs/${id}`, `/v1/runs/${id}/messages?wait=0`]
    for (const [i, path] of paths(runId).entries()) {
      const hers = await send(app, 'GET', path, { key: BOB })
      const nobodys = await send(app, 'GET', paths(missing)[i] ?? '', { key: BOB })
      const anonymised = (body: Record<string, unknown>, id: string) =>
        JSON.parse(JSON.stringify(body).replaceAll(id, '<id>')) as Record<string, unknown>
      expect(anonymised(hers.body, runId)).toEqual(anonymised(nobodys.body, missing))
      expect(hers.status).toBe(nobodys.status)
    }
  })

  it('does not hold another user’s long-poll: 404 at once, even with wait', async () => {
    const { runId } = await alicesRunWithAQuestion()
    const started = Date.now()
    const attempt = await send(app, 'GET', `/v1/runs/${runId}/messages?after=100&wait=10`, { key: BOB })
    expect(attempt.status).toBe(404)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('leaves the owner’s run untouched by the other user’s attempts', async () => {
    const { runId, questionId } = await alicesRunWithAQuestion()
    await send(app, 'POST', `/v1/runs/${runId}/replies`, { key: BOB, body: { question_id: questionId, answer: 'Mallory' } })
    await send(app, 'POST', `/v1/runs/${runId}/cancel`, { key: BOB })

    const run = await send(app, 'GET', `/v1/runs/${runId}`, { key: ALICE })
    expect(run.body.status).toBe('awaiting_input')
    expect(run.body.pending_question.id).toBe(questionId)
    const answered = await send(app, 'POST', `/v1/runs/${runId}/replies`, { key: ALICE, body: { question_id: questionId, answer: 'Ada' } })
    expect(answered.status).toBe(201)
    const mood = await pendingQuestion(app, runId, { key: ALICE })
    await send(app, 'POST', `/v1/runs/${runId}/replies`, { key: ALICE, body: { question_id: mood.id, answer: 'good' } })
    const messages = await drain(app, runId, { key: ALICE })
    const replies = messages.filter((m) => m.type === 'reply').map((m) => m.content.answer)
    expect(replies).toEqual(['Ada', 'good'])
    expect(messages.at(-1)?.type).toBe('workflow_completed')
  })

  it('lists only the caller’s runs, whatever the filters or cursor', async () => {
    const alices: string[] = []
    for (let n = 0; n < 3; n++) {
      const created = await send(app, 'POST', '/v1/workflows/echo/runs', { key: ALICE, body: { params: { text: `a${n}` } } })
      alices.push(created.body.id)
    }
    const bobs = await send(app, 'POST', '/v1/runs', { key: BOB, body: { workflow: 'echo', params: { text: 'b' } } })
    for (const id of alices) await drain(app, id, { key: ALICE })
    await drain(app, bobs.body.id, { key: BOB })

    const ids = (page: { body: { runs: { id: string }[] } }) => page.body.runs.map((run) => run.id)
    expect(ids(await send(app, 'GET', '/v1/runs', { key: BOB }))).toEqual([bobs.body.id])
    expect(ids(await send(app, 'GET', '/v1/runs?workflow=echo&status=completed', { key: BOB }))).toEqual([bobs.body.id])
    expect(ids(await send(app, 'GET', '/v1/runs?workflow=greet', { key: BOB }))).toEqual([])
    expect(ids(await send(app, 'GET', '/v1/runs', { key: ALICE })).sort()).toEqual([...alices].sort())

    // A cursor is a position in the list, not a capability: Alice's cursor shows Bob only Bob's runs.
    const alicesFirstPage = await send(app, 'GET', '/v1/runs?limit=1', { key: ALICE })
    expect(alicesFirstPage.body.next_cursor).toEqual(expect.any(String))
    const withHerCursor = await send(app, 'GET', `/v1/runs?cursor=${encodeURIComponent(alicesFirstPage.body.next_cursor)}`, { key: BOB })
    expect(withHerCursor.status).toBe(200)
    for (const id of ids(withHerCursor)) expect(alices).not.toContain(id)
  })

  it('scopes Idempotency-Key per user: the same key from another user starts that user’s own run', async () => {
    const request = { body: { workflow: 'echo', params: { text: 'same' } }, headers: { 'idempotency-key': 'shared-key' } }
    const hers = await send(app, 'POST', '/v1/runs', { key: ALICE, ...request })
    const his = await send(app, 'POST', '/v1/runs', { key: BOB, ...request })
    expect(hers.status).toBe(201)
    expect(his.status).toBe(201)
    expect(his.body.id).not.toBe(hers.body.id)
    const hersAgain = await send(app, 'POST', '/v1/runs', { key: ALICE, ...request })
    expect(hersAgain.status).toBe(200)
    expect(hersAgain.body.id).toBe(hers.body.id)
  })

  it('lets each user cancel only their own run', async () => {
    const { runId } = await alicesRunWithAQuestion()
    expect((await send(app, 'POST', `/v1/runs/${runId}/cancel`, { key: BOB })).status).toBe(404)
    const cancelled = await send(app, 'POST', `/v1/runs/${runId}/cancel`, { key: ALICE })
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.status).toBe('cancelled')
  })
})
