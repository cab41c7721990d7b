import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { Agent } from '../../src/agents/agent.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { finished, startRun } from '../support/contract-runs.ts'
import type { FakeOpenAI } from '../support/fake-openai.ts'
import { startFakeOpenAI } from '../support/fake-openai.ts'

/** LLM settings are passed down from createApp (config is read once, above): agents and ctx.llm never read the environment. */

const completion = defineWorkflow({
  name: 'one_completion',
  description: 'One completion through ctx.llm',
  async run(_ui, _params, ctx) {
    const reply = await ctx.llm.complete([{ role: 'user', content: 'Hello?' }])
    return `${ctx.llm.model}: ${reply.message.content ?? ''}`
  },
})

const agentModel = defineWorkflow({
  name: 'agent_model',
  description: 'Names the model and endpoint an agent without settings of its own resolves to',
  async run() {
    const model = new Agent({ name: 'Assistant' }).model()
    return `${model?.llm.model} at ${model?.llm.baseURL}`
  },
})

describe('createApp({ llm })', () => {
  let fake: FakeOpenAI
  let app: ParleyApp
  beforeAll(async () => {
    fake = await startFakeOpenAI()
    app = createApp({
      workflows: [completion, agentModel],
      llm: { baseURL: fake.url, model: 'passed-in-model', maxRetries: 0, timeoutMs: 5000 },
    })
  })
  afterAll(async () => {
    await app.close()
    await fake.close()
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('sends ctx.llm to the endpoint it was given, whatever the environment says', async () => {
    vi.stubEnv('OPENAI_BASE_URL', 'http://127.0.0.1:9/v1')
    vi.stubEnv('PARLEY_MODEL', 'environment-model')
    fake.script({ text: 'Hi.' })
    const run = await startRun(app, 'one_completion')
    expect(await finished(app, run.id)).toMatchObject({ status: 'completed', result: 'passed-in-model: Hi.' })
    expect(fake.requests.at(-1)?.body.model).toBe('passed-in-model')
  })

  it('gives an agent without settings of its own the settings createApp was given', async () => {
    vi.stubEnv('PARLEY_MODEL', 'environment-model')
    const run = await startRun(app, 'agent_model')
    expect(await finished(app, run.id)).toMatchObject({ status: 'completed', result: `passed-in-model at ${fake.url}` })
  })
})
