import { describe, expect, it, vi } from 'vitest'
import { weather_tools } from '../../src/examples/weather-tools.ts'
import { chatLines, useFakeLlmParley } from './run-driver.ts'

const { fake, start } = useFakeLlmParley([weather_tools])

describe('weather_tools: a tool call with approval', () => {
  it('logs the suggested call, asks for approval, executes it and shows the model’s follow-up', async () => {
    vi.stubEnv('OPENAI_BASE_URL', fake.url)
    const first = fake.requests.length
    fake.script(
      { toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { text: 'It is mild in Paris right now. TERMINATE' },
    )
    const run = await start('weather_tools', { city: 'Paris' })

    const suggested = await run.next('suggested_function_call')
    expect(suggested).toMatchObject({
      sender: 'Weather_Agent',
      recipient: 'User',
      content: { function_name: 'get_weather', call_id: 'call_1', arguments: { city: 'Paris' } },
    })
    const approval = await run.next('multiple_choice')
    expect(approval.content).toMatchObject({ choices: ['Approve', 'Reject', 'Exit'], default: 'Approve', single: true })
    expect(approval.content.prompt).toContain('get_weather')
    await run.reply(approval, 'Approve')

    const execution = await run.next('function_call_execution')
    expect(execution.content).toMatchObject({
      function_name: 'get_weather',
      call_id: 'call_1',
      retval: { city: 'Paris', source: 'demo data' },
    })
    const finished = await run.finish()
    expect(finished.status).toBe('completed')
    expect(finished.result).toBe('It is mild in Paris right now.')
    expect(run.messages.map((m) => m.type)).toEqual([
      'workflow_started',
      'text_message',
      'suggested_function_call',
      'multiple_choice',
      'reply',
      'function_call_execution',
      'text_message',
      'workflow_completed',
    ])
    expect(chatLines(run.messages)).toEqual([
      'User→Weather_Agent: What is the weather like in Paris right now?',
      'Weather_Agent→User: It is mild in Paris right now. TERMINATE',
    ])

    // The tool was offered as a function with its JSON Schema, and its result went back to the model.
    const [offer, followUp] = fake.requests.slice(first).map((request) => request.body)
    expect(offer.tools).toEqual([
      {
        type: 'function',
        function: expect.objectContaining({
          name: 'get_weather',
          parameters: expect.objectContaining({ type: 'object', required: ['city'] }),
        }),
      },
    ])
    expect(followUp.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function' }] })
    expect(followUp.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: JSON.stringify(execution.content.retval) })
  })

  it('does not execute a rejected call and tells the model it was rejected', async () => {
    vi.stubEnv('OPENAI_BASE_URL', fake.url)
    const first = fake.requests.length
    fake.script(
      { toolCalls: [{ id: 'call_r', name: 'get_weather', arguments: { city: 'Oslo' } }] },
      { text: 'Understood, no lookup then. TERMINATE' },
    )
    const run = await start('weather_tools', { city: 'Oslo' })
    await run.reply(await run.next('multiple_choice'), 'Reject')
    const finished = await run.finish()

    expect(finished.status).toBe('completed')
    expect(run.messages.some((m) => m.type === 'function_call_execution')).toBe(false)
    expect(fake.requests[first + 1]?.body.messages.at(-1)).toMatchObject({
      role: 'tool',
      tool_call_id: 'call_r',
      content: expect.stringMatching(/rejected/),
    })
    expect(finished.result).toBe('Understood, no lookup then.')
  })

  it('ends the chat when the human chooses Exit', async () => {
    vi.stubEnv('OPENAI_BASE_URL', fake.url)
    const first = fake.requests.length
    fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] })
    const run = await start('weather_tools', { city: 'Rome' })
    await run.reply(await run.next('multiple_choice'), 'Exit')
    const finished = await run.finish()

    expect(finished.status).toBe('completed')
    expect(run.messages.map((m) => m.type).slice(-3)).toEqual(['multiple_choice', 'reply', 'workflow_completed'])
    expect(fake.requests.length - first).toBe(1)
  })

  it('runs on the offline model, which calls the tool with the city from the question', async () => {
    vi.stubEnv('OPENAI_BASE_URL', '')
    vi.stubEnv('OPENAI_API_KEY', '')
    const run = await start('weather_tools', { city: 'New York' })
    const suggested = await run.next('suggested_function_call')
    expect(suggested.content).toMatchObject({ function_name: 'get_weather', arguments: { city: 'New York' } })
    await run.reply(await run.next('multiple_choice'), 'Approve')
    const execution = await run.next('function_call_execution')
    expect(execution.content.retval).toMatchObject({ city: 'New York' })
    const finished = await run.finish()
    expect(finished.status).toBe('completed')
    expect(finished.result).toMatch(/^\[offline model\] get_weather answered: .*New York/)
  })
})
