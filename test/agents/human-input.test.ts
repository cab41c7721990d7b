import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../../src/agents/agent.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { chatLines, useFakeLlmParley } from './run-driver.ts'

/** A human-backed agent talking to an assistant; the result says why the chat stopped. */
const human_chat = defineWorkflow({
  name: 'human_chat',
  description: 'Human_Agent (in the given human-input mode) talks with Assistant',
  params: z.object({ mode: z.enum(['always', 'terminate', 'never']) }),
  async run(_ui, params) {
    const llm = { baseURL: fake.url, apiKey: 'test' }
    const human = new Agent({ name: 'Human_Agent', systemMessage: 'You speak for the human.', humanInput: params.mode, llm })
    const assistant = new Agent({ name: 'Assistant', llm })
    const chat = await human.run(assistant, { message: 'Hello', maxTurns: 10 })
    return `${chat.stopReason}: ${chat.summary}`
  },
})

const { fake, start } = useFakeLlmParley([human_chat])

describe('human input modes', () => {
  it('always: asks the human before each reply; empty lets the model answer, text is sent as is, exit ends', async () => {
    fake.script({ text: 'A1' }, { text: 'H1 from the model' }, { text: 'A2' }, { text: 'A3' })
    const run = await start('human_chat', { mode: 'always' })

    const asks = []
    for (const answer of ['', 'What is 2+2?', 'exit']) {
      const question = await run.next('text_input')
      asks.push(question)
      await run.reply(question, answer)
    }
    const finished = await run.finish()

    expect(finished.status).toBe('completed')
    expect(finished.result).toBe('human_exit: A3')
    for (const question of asks) {
      expect(question).toMatchObject({ sender: 'Assistant', recipient: 'Human_Agent' })
      expect(question.content.prompt).toMatch(/Replying as Human_Agent.*'exit'/)
    }
    expect(chatLines(run.messages)).toEqual([
      'Human_Agent→Assistant: Hello',
      'Assistant→Human_Agent: A1',
      'Human_Agent→Assistant: H1 from the model',
      'Assistant→Human_Agent: A2',
      'Human_Agent→Assistant: What is 2+2?',
      'Assistant→Human_Agent: A3',
    ])
    // Each question comes right after the assistant's message it is about.
    const types = run.messages.map((m) => m.type)
    expect(types.filter((type) => type === 'text_input')).toHaveLength(3)
    for (const question of asks) expect(run.messages[run.messages.indexOf(question) - 1]?.sender).toBe('Assistant')
  })

  it('terminate: asks only on a termination message; feedback continues the chat, an empty reply ends it', async () => {
    fake.script({ text: 'Done. TERMINATE' }, { text: 'Here is more. TERMINATE' })
    const run = await start('human_chat', { mode: 'terminate' })

    await run.reply(await run.next('text_input'), 'One more thing, please')
    const second = await run.next('text_input')
    expect(second.content.prompt).toMatch(/Please give feedback to Assistant/)
    await run.reply(second, '')
    const finished = await run.finish()

    expect(finished.result).toBe('termination: Here is more.')
    expect(chatLines(run.messages)).toEqual([
      'Human_Agent→Assistant: Hello',
      'Assistant→Human_Agent: Done. TERMINATE',
      'Human_Agent→Assistant: One more thing, please',
      'Assistant→Human_Agent: Here is more. TERMINATE',
    ])
  })

  it('never: a termination message ends the chat without asking anyone', async () => {
    fake.script({ text: 'Bye. TERMINATE' })
    const run = await start('human_chat', { mode: 'never' })
    const finished = await run.finish()
    expect(finished.result).toBe('termination: Bye.')
    expect(run.messages.some((m) => m.type === 'text_input')).toBe(false)
  })
})
