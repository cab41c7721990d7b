import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { useFakeLlmParley } from './run-driver.ts'

/** A workflow that calls `ctx.llm` directly, no agents: one completion, said back as a message. */
const summarise = defineWorkflow({
  name: 'summarise',
  description: 'Summarises a text with one completion',
  params: z.object({ text: z.string() }),
  async run(ui, params, ctx) {
    const reply = await ctx.llm.complete([{ role: 'user', content: `Summarise: ${params.text}` }])
    const body = reply.message.content ?? ''
    await ui.textMessage({ body, sender: ctx.llm.model, recipient: 'User' })
    return body
  },
})

describe('ctx.llm, the LLM client a workflow gets', () => {
  const { fake, start } = useFakeLlmParley([summarise])

  it('sends the completion to OPENAI_BASE_URL with PARLEY_MODEL and counts its tokens in the run', async () => {
    vi.stubEnv('OPENAI_BASE_URL', fake.url)
    vi.stubEnv('PARLEY_MODEL', 'tiny-model')
    fake.script({ text: 'It is short.', usage: { prompt_tokens: 11, completion_tokens: 4 } })
    const run = await start('summarise', { text: 'a long story' })
    const finished = await run.finish()
    expect(finished).toMatchObject({ status: 'completed', result: 'It is short.' })
    expect(finished.usage).toEqual({ prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 })
    const sent = fake.requests.at(-1)?.body
    expect(sent.model).toBe('tiny-model')
    expect(sent.messages).toEqual([{ role: 'user', content: 'Summarise: a long story' }])
    expect(run.messages.find((m) => m.type === 'text_message')?.sender).toBe('tiny-model')
  })

  it('answers with the offline model when no endpoint is configured', async () => {
    vi.stubEnv('OPENAI_BASE_URL', '')
    vi.stubEnv('OPENAI_API_KEY', '')
    const before = fake.requests.length
    const finished = await (await start('summarise', { text: 'anything' })).finish()
    expect(finished.status).toBe('completed')
    expect(finished.result).toMatch(/^\[offline model\]/)
    expect(fake.requests.length).toBe(before)
  })
})
