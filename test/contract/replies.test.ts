import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { greet, pick_toppings } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { call } from '../support/contract.ts'
import { answer, fieldsOf, listMessages, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { contractStore } from '../support/contract-store.ts'

let app: ParleyApp
beforeEach(() => {
  app = createApp({ workflows: [greet, pick_toppings], ...contractStore() })
})
afterEach(async () => {
  await app.close()
})

const reply = (runId: string, body: unknown, headers?: Record<string, string>) =>
  call(app, 'POST', `/v1/runs/${runId}/replies`, { body, ...(headers ? { headers } : {}) })

/** A greet run waiting on its first question (text input). */
async function greetWaiting() {
  const run = await startRun(app, 'greet')
  return { runId: run.id as string, question: await nextQuestion(app, run.id) }
}

describe('replyToQuestion (POST /v1/runs/{run_id}/replies)', () => {
  it('returns 201 with the recorded reply message, which the next poll returns, and the run moves on', async () => {
    const { runId, question } = await greetWaiting()
    const recorded = await reply(runId, { question_id: question.id, answer: 'Ada' })
    expect(recorded.status).toBe(201)
    expect(recorded.body).toMatchObject({ type: 'reply', seq: question.seq + 1, content: { question_id: question.id, answer: 'Ada' } })

    const page = await listMessages(app, runId, `after=${question.seq}&wait=5`)
    expect(page.body.messages[0]).toEqual(recorded.body)
    const mood = await nextQuestion(app, runId)
    expect(mood).toMatchObject({ type: 'multiple_choice', content: { choices: ['good', 'bad'], single: true } })
  })

  it('returns 200 and records no second reply when the identical reply is sent twice', async () => {
    const { runId, question } = await greetWaiting()
    const first = await reply(runId, { question_id: question.id, answer: 'Ada' })
    const again = await reply(runId, { question_id: question.id, answer: 'Ada' })
    expect(again.status).toBe(200)
    expect(again.body).toEqual(first.body)

    const mood = await nextQuestion(app, runId)
    await answer(app, runId, mood.id, 'good')
    const replies = (await readLog(app, runId)).filter((message) => message.type === 'reply')
    expect(replies.map((message) => message.content.answer)).toEqual(['Ada', 'good'])
  })

  it('returns 409 when the question was already answered differently', async () => {
    const { runId, question } = await greetWaiting()
    await answer(app, runId, question.id, 'Ada')
    const late = await reply(runId, { question_id: question.id, answer: 'Grace' })
    expect(late.status).toBe(409)
    expect(late.body.code).toBe('question_not_pending')
  })

  it('returns 404 question_not_found for a question the run does not have', async () => {
    const { runId } = await greetWaiting()
    const missing = await reply(runId, { question_id: 'no-such-question', answer: 'Ada' })
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('question_not_found')
  })

  it('returns 404 question_not_found for a question of another run', async () => {
    const mine = await greetWaiting()
    const other = await greetWaiting()
    const crossed = await reply(mine.runId, { question_id: other.question.id, answer: 'Ada' })
    expect(crossed.status).toBe(404)
    expect(crossed.body.code).toBe('question_not_found')
  })

  it('returns 404 run_not_found for an unknown run', async () => {
    const missing = await reply('no-such-run', { question_id: 'q', answer: 'Ada' })
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('run_not_found')
  })

  it('returns 422 naming body.question_id and body.answer when they are missing', async () => {
    const { runId } = await greetWaiting()
    const empty = await reply(runId, {})
    expect(empty.status).toBe(422)
    expect(fieldsOf(empty.body)).toEqual(expect.arrayContaining(['body.question_id', 'body.answer']))
  })

  it('returns 400 for a malformed body and 415 for one that is not JSON', async () => {
    const { runId } = await greetWaiting()
    const malformed = await reply(runId, '{"question_id":')
    expect(malformed.status).toBe(400)
    expect(malformed.body.code).toBe('malformed_json')
    const form = await reply(runId, 'answer=Ada', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(form.status).toBe(415)
  })

  it('returns 413 for a reply over limits.maxBodyBytes, and the question stays pending', async () => {
    await app.close()
    app = createApp({ workflows: [greet], limits: { maxBodyBytes: 256 }, ...contractStore() })
    const { runId, question } = await greetWaiting()
    const big = await reply(runId, { question_id: question.id, answer: 'x'.repeat(300) })
    expect(big.status).toBe(413)
    expect(big.body.code).toBe('payload_too_large')
    expect((await call(app, 'GET', `/v1/runs/${runId}`)).body.pending_question.id).toBe(question.id)
  })
})

describe('answers that do not fit the question are 422 answer_invalid, and the question stays pending', () => {
  it('refuses a text input answered with a list', async () => {
    const { runId, question } = await greetWaiting()
    const wrong = await reply(runId, { question_id: question.id, answer: ['Ada'] })
    expect(wrong.status).toBe(422)
    expect(wrong.body.code).toBe('answer_invalid')
    expect(fieldsOf(wrong.body)).toEqual(['body.answer'])
    expect((await reply(runId, { question_id: question.id, answer: 'Ada' })).status).toBe(201)
  })

  it('refuses a single choice that is not one of the choices, or given as a list', async () => {
    const { runId, question } = await greetWaiting()
    await answer(app, runId, question.id, 'Ada')
    const mood = await nextQuestion(app, runId)
    for (const wrong of ['meh', ['good']]) {
      const refused = await reply(runId, { question_id: mood.id, answer: wrong })
      expect(refused.status, JSON.stringify(wrong)).toBe(422)
      expect(refused.body.code).toBe('answer_invalid')
    }
    expect((await call(app, 'GET', `/v1/runs/${runId}`)).body.pending_question.id).toBe(mood.id)
    expect((await reply(runId, { question_id: mood.id, answer: 'bad' })).status).toBe(201)
  })

  it('refuses a multi-select that is not a subset of the choices, or not a list', async () => {
    const run = await startRun(app, 'pick_toppings', { choices: ['cheese', 'olives'] })
    const question = await nextQuestion(app, run.id)
    expect(question.content.single).toBe(false)
    for (const wrong of [['cheese', 'pineapple'], 'cheese', ['cheese', 'cheese']]) {
      const refused = await reply(run.id, { question_id: question.id, answer: wrong })
      expect(refused.status, JSON.stringify(wrong)).toBe(422)
      expect(refused.body.code).toBe('answer_invalid')
    }
    expect((await reply(run.id, { question_id: question.id, answer: ['olives'] })).status).toBe(201)
    const log = await readLog(app, run.id)
    expect(log.filter((message) => message.type === 'reply')).toHaveLength(1)
  })

  it('accepts an empty selection for a multi-select', async () => {
    const run = await startRun(app, 'pick_toppings')
    const question = await nextQuestion(app, run.id)
    expect((await reply(run.id, { question_id: question.id, answer: [] })).status).toBe(201)
    await readLog(app, run.id)
    expect((await call(app, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: 'no toppings' })
  })
})
