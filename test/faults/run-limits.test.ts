import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { drain, pendingQuestion, send } from '../support/app-requests.ts'
import type { FakeOpenAI } from '../support/fake-openai.ts'
import { startFakeOpenAI } from '../support/fake-openai.ts'

/** What one run may grow to: each message's size, its number of messages, its LLM tokens. */

const KIB = 1024

/** Says `kib` KiB in one message; with `persist`, catches what that throws and carries on. */
const loud = defineWorkflow({
  name: 'loud',
  description: 'Emits one message of a given size',
  params: z.object({ kib: z.int().min(1), persist: z.boolean().default(false), note: z.string().default('') }),
  async run(ui, params) {
    try {
      await ui.textMessage({ body: 'x'.repeat(params.kib * KIB) })
    } catch (error) {
      if (!params.persist) throw error
    }
    await ui.textMessage({ body: 'still here' })
    return 'said it'
  },
})

/** Never stops talking. */
const chatty = defineWorkflow({
  name: 'chatty',
  description: 'Emits messages forever',
  async run(ui) {
    for (let i = 0; ; i++) await ui.textMessage({ body: `message ${i}` })
  },
})

const asker = defineWorkflow({
  name: 'asker',
  description: 'Asks for a text',
  async run(ui) {
    return ui.textInput({ prompt: 'Anything?' })
  },
})

/** Calls the model again and again. */
const spender = defineWorkflow({
  name: 'spender',
  description: 'Calls ctx.llm until stopped',
  async run(_ui, _params, ctx) {
    for (;;) await ctx.llm.complete([{ role: 'user', content: 'more' }])
  },
})

const thrifty = defineWorkflow({
  name: 'thrifty',
  description: 'Calls ctx.llm until stopped, on a budget of its own',
  max_tokens_per_run: 250,
  async run(_ui, _params, ctx) {
    for (;;) await ctx.llm.complete([{ role: 'user', content: 'more' }])
  },
})

let app: ParleyApp
afterEach(async () => {
  await app?.close()
  vi.unstubAllEnvs()
})

async function failedRun(workflow: string, params: Record<string, unknown> = {}) {
  const started = await send(app, 'POST', `/v1/workflows/${workflow}/runs`, { body: { params } })
  expect(started.status).toBe(201)
  const log = await drain(app, started.body.id)
  const run = (await send(app, 'GET', `/v1/runs/${started.body.id}`)).body
  return { run, log }
}

describe('a message larger than PARLEY_MAX_MESSAGE_BYTES', () => {
  it('fails the run that emits it with an error naming the limit; its log stays whole and readable', async () => {
    app = createApp({ workflows: [loud], limits: { maxMessageBytes: 64 * KIB } })
    const { run, log } = await failedRun('loud', { kib: 100 })
    expect(run.status).toBe('failed')
    expect(run.error.short).toContain('PARLEY_MAX_MESSAGE_BYTES')
    expect(run.error.short).toContain(String(64 * KIB))
    expect(log.map((message) => message.type)).toEqual(['workflow_started', 'error', 'workflow_completed'])
    expect(log[1].content.short).toBe(run.error.short)
  })

  it('fails the run even when the workflow catches the error and goes on', async () => {
    app = createApp({ workflows: [loud], limits: { maxMessageBytes: 64 * KIB } })
    const { run, log } = await failedRun('loud', { kib: 100, persist: true })
    expect(run.status).toBe('failed')
    expect(run.error.short).toContain('PARLEY_MAX_MESSAGE_BYTES')
    expect(log.map((message) => message.type)).toEqual(['workflow_started', 'error', 'workflow_completed'])
  })

  it('is 422 naming body.answer for a reply over it, and the question still takes a reply that fits', async () => {
    app = createApp({ workflows: [asker], limits: { maxMessageBytes: 4 * KIB } })
    const started = await send(app, 'POST', '/v1/workflows/asker/runs', { body: { params: {} } })
    const question = await pendingQuestion(app, started.body.id)
    const big = await send(app, 'POST', `/v1/runs/${started.body.id}/replies`, {
      body: { question_id: question.id, answer: 'y'.repeat(8 * KIB) },
    })
    expect(big.status).toBe(422)
    expect(big.body).toMatchObject({ code: 'answer_invalid', errors: [{ field: 'body.answer' }] })
    expect(big.body.errors[0].message).toContain(String(4 * KIB))
    const fits = await send(app, 'POST', `/v1/runs/${started.body.id}/replies`, { body: { question_id: question.id, answer: 'ok' } })
    expect(fits.status).toBe(201)
  })

  it('is 422 naming body.params for params that would not fit the run’s first message', async () => {
    app = createApp({ workflows: [loud], limits: { maxMessageBytes: 4 * KIB } })
    const refused = await send(app, 'POST', '/v1/runs', { body: { workflow: 'loud', params: { kib: 1, note: 'z'.repeat(8 * KIB) } } })
    expect(refused.status).toBe(422)
    expect(refused.body.errors).toEqual([{ field: 'body.params', message: expect.stringContaining(String(4 * KIB)) }])
    expect(app.runs.executingCount).toBe(0)
  })
})

describe('PARLEY_MAX_MESSAGES_PER_RUN', () => {
  it('fails a run whose workflow reaches it, with an error naming it', async () => {
    app = createApp({ workflows: [chatty], limits: { maxMessagesPerRun: 25 } })
    const { run, log } = await failedRun('chatty')
    expect(run.status).toBe('failed')
    expect(run.error.short).toContain('25 messages')
    expect(run.error.short).toContain('PARLEY_MAX_MESSAGES_PER_RUN')
    expect(log).toHaveLength(27)
    expect(log.slice(-2).map((message) => message.type)).toEqual(['error', 'workflow_completed'])
  })
})

describe('the LLM token budget of a run (max_tokens_per_run)', () => {
  let fake: FakeOpenAI
  beforeAll(async () => {
    fake = await startFakeOpenAI()
    fake.otherwise(() => ({ text: 'more', usage: { prompt_tokens: 60, completion_tokens: 40 } }))
  })
  afterAll(async () => {
    await fake.close()
  })

  it('fails the run once its usage passes PARLEY_MAX_TOKENS_PER_RUN, and asks the model no more', async () => {
    vi.stubEnv('OPENAI_BASE_URL', fake.url)
    app = createApp({ workflows: [spender], limits: { maxTokensPerRun: 350 } })
    const before = fake.requests.length
    const { run } = await failedRun('spender')
    expect(run.status).toBe('failed')
    expect(run.error.short).toContain('400 LLM tokens')
    expect(run.error.short).toContain('max_tokens_per_run')
    expect(run.usage.total_tokens).toBe(400)
    expect(fake.requests.length - before).toBe(4)
  })

  it('takes a workflow’s own lower budget', async () => {
    vi.stubEnv('OPENAI_BASE_URL', fake.url)
    app = createApp({ workflows: [thrifty], limits: { maxTokensPerRun: 10_000 } })
    const { run } = await failedRun('thrifty')
    expect(run.status).toBe('failed')
    expect(run.error.short).toContain('over its budget of 250')
    expect(run.usage.total_tokens).toBe(300)
  })
})
