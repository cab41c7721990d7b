import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, readLog, startRun } from '../support/contract-runs.ts'
import { deadline } from '../support/durable-workflows.ts'

/** Questions with `timeout_seconds`: what the log, the run, a late reply and the workflow see at expiry. */

const misconfigured = defineWorkflow({
  name: 'misconfigured',
  description: 'A single choice that would take its default at expiry, with no default',
  async run(ui) {
    return ui.multipleChoice({ prompt: 'Pick', choices: ['a', 'b'], timeout_seconds: 5, on_timeout: 'default' })
  },
})

let app: ParleyApp
beforeEach(() => {
  app = createApp({ workflows: [deadline, misconfigured] })
})
afterEach(async () => {
  await app.close()
})

describe('a question with a deadline', () => {
  it('carries expires_at, on the message and on the run’s pending question', async () => {
    const run = await startRun(app, 'deadline', { timeout_seconds: 30 })
    const question = await nextQuestion(app, run.id)
    expect(question.content).toMatchObject({ on_timeout: 'default', default: 'no' })
    // The deadline is fixed just before the question is stored: 30 s from then, so at most 30 s after it.
    const expiresIn = Date.parse(question.content.expires_at) - Date.parse(question.created_at)
    expect(expiresIn).toBeGreaterThan(20_000)
    expect(expiresIn).toBeLessThanOrEqual(30_000)
    const [, logged] = (await call(app, 'GET', `/v1/runs/${run.id}/messages`)).body.messages
    expect(logged).toEqual(question)
  })

  it.each([
    ['single', 'no', '"no"'],
    ['multi', ['b'], '["b"]'],
    ['text', 'nobody', '"nobody"'],
  ] as const)(
    'with on_timeout default (%s), expires: the log says so and the workflow goes on with the default',
    async (kind, taken, result) => {
      const run = await startRun(app, 'deadline', { timeout_seconds: 0.3, on_timeout: 'default', kind })
      const question = await nextQuestion(app, run.id)
      const log = await readLog(app, run.id)
      expect(log.map((message) => message.type)).toEqual([
        'workflow_started',
        question.type,
        'system_message',
        'text_message',
        'workflow_completed',
      ])
      expect(log[2]).toMatchObject({
        content: { message: { event: 'question_expired', question_id: question.id, on_timeout: 'default', answer: taken } },
        auto_reply: true,
      })
      expect(Date.parse(log[2].created_at)).toBeGreaterThanOrEqual(Date.parse(question.content.expires_at))
      expect((await call(app, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result })
    },
  )

  it('with on_timeout error, fails the run with QuestionExpiredError when the workflow does not catch it', async () => {
    const run = await startRun(app, 'deadline', { timeout_seconds: 0.3, on_timeout: 'error' })
    const question = await nextQuestion(app, run.id)
    const log = await readLog(app, run.id)
    expect(log.map((message) => message.type)).toEqual([
      'workflow_started',
      'multiple_choice',
      'system_message',
      'error',
      'workflow_completed',
    ])
    expect(log[2].content.message).toEqual({ event: 'question_expired', question_id: question.id, on_timeout: 'error', answer: null })
    const failed = (await call(app, 'GET', `/v1/runs/${run.id}`)).body
    expect(failed).toMatchObject({ status: 'failed', pending_question: null })
    expect(failed.error.short).toBe(
      `QuestionExpiredError: question ${question.id} expired at ${question.content.expires_at} without an answer`,
    )
  })

  it('with on_timeout error, lets a workflow that catches QuestionExpiredError carry on', async () => {
    const run = await startRun(app, 'deadline', { timeout_seconds: 0.3, on_timeout: 'error', catch_expiry: true })
    await readLog(app, run.id)
    expect((await call(app, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: 'expired, and carried on' })
  })

  it('refuses a reply after expiry with 409 question_expired, and records nothing', async () => {
    const run = await startRun(app, 'deadline', { timeout_seconds: 0.3, on_timeout: 'default' })
    const question = await nextQuestion(app, run.id)
    const log = await readLog(app, run.id)
    const late = await call(app, 'POST', `/v1/runs/${run.id}/replies`, { body: { question_id: question.id, answer: 'yes' } })
    expect(late.status).toBe(409)
    expect(late.body).toMatchObject({ code: 'question_expired', status: 409 })
    expect(late.body.detail).toContain(question.content.expires_at)
    expect(await readLog(app, run.id)).toEqual(log)
  })

  it('takes a reply before the deadline, and then never expires', async () => {
    const run = await startRun(app, 'deadline', { timeout_seconds: 4, on_timeout: 'error' })
    const question = await nextQuestion(app, run.id)
    await answer(app, run.id, question.id, 'yes')
    const log = await readLog(app, run.id)
    await new Promise((resolve) => setTimeout(resolve, Date.parse(question.content.expires_at) - Date.now() + 200))
    expect(await readLog(app, run.id)).toEqual(log)
    expect(log.map((message) => message.type)).toEqual([
      'workflow_started',
      'multiple_choice',
      'reply',
      'text_message',
      'workflow_completed',
    ])
    expect((await call(app, 'GET', `/v1/runs/${run.id}`)).body).toMatchObject({ status: 'completed', result: '"yes"' })
  })

  it('refuses a deadline it could not honour before asking anything', async () => {
    const run = await startRun(app, 'misconfigured')
    const log = await readLog(app, run.id)
    expect(log.map((message) => message.type)).toEqual(['workflow_started', 'error', 'workflow_completed'])
    expect(log[1].content.short).toBe("TypeError: multipleChoice: on_timeout 'default' on a single choice needs a default")
  })
})
