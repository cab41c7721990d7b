import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../../src/agents/agent.ts'
import { defineTool } from '../../src/agents/tool.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { useFakeLlmParley } from './run-driver.ts'

const readSensor = defineTool({
  name: 'read_sensor',
  description: 'Reads a sensor',
  params: z.object({ sensor: z.string() }),
  async execute() {
    throw new Error('sensor offline')
  },
})

/** Two agents on the fake endpoint; the assistant has a tool that always throws. */
const llm_chat = defineWorkflow({
  name: 'llm_chat',
  description: 'User asks Assistant one question',
  params: z.object({ timeout_ms: z.int().default(10_000), max_retries: z.int().default(2) }),
  async run(_ui, params) {
    const llm = { baseURL: fake.url, apiKey: 'test', maxRetries: params.max_retries, timeoutMs: params.timeout_ms }
    const user = new Agent({ name: 'User', llm: false })
    const assistant = new Agent({ name: 'Assistant', llm, tools: [readSensor] })
    return (await user.run(assistant, { message: 'How warm is it?', maxTurns: 1 })).summary
  },
})

const { fake, start } = useFakeLlmParley([llm_chat])

describe('LLM endpoint faults', () => {
  it('retries a persistent 500, then fails the run with what the endpoint answered; other runs carry on', async () => {
    const first = fake.requests.length
    const overloaded = { status: 500, body: { error: { message: 'model overloaded', type: 'server_error' } } }
    fake.script(overloaded, overloaded, overloaded)
    const failing = await start('llm_chat')
    const failed = await failing.finish()

    expect(failed.status).toBe('failed')
    expect(fake.requests.length - first).toBe(3) // the first attempt and maxRetries: 2
    expect(failed.error?.short).toMatch(/^LlmError: the LLM endpoint answered HTTP 500 after 3 attempts/)
    expect(failed.error?.short).toContain('model overloaded')
    const error = failing.messages.find((m) => m.type === 'error')
    expect(error?.type === 'error' && error.content.short).toBe(failed.error?.short)

    fake.script({ text: 'Warm enough.' })
    const next = await (await start('llm_chat')).finish()
    expect(next).toMatchObject({ status: 'completed', result: 'Warm enough.' })
  })

  it('quotes a plain-text error body, and does not retry a 400', async () => {
    const first = fake.requests.length
    fake.script({ status: 400, body: 'context length exceeded' })
    const failed = await (await start('llm_chat')).finish()
    expect(failed.status).toBe('failed')
    expect(failed.error?.short).toMatch(/answered HTTP 400 after 1 attempt: context length exceeded$/)
    expect(fake.requests.length - first).toBe(1)
  })

  it('retries a 429 and completes when the endpoint recovers', async () => {
    fake.script({ status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after-ms': '20' } }, { text: 'Recovered.' })
    const run = await (await start('llm_chat')).finish()
    expect(run).toMatchObject({ status: 'completed', result: 'Recovered.' })
  })

  it('retries a request that times out, then fails the run saying the endpoint did not answer', async () => {
    const first = fake.requests.length
    fake.script({ hang: true }, { hang: true })
    const failed = await (await start('llm_chat', { timeout_ms: 200, max_retries: 1 })).finish()
    expect(failed.status).toBe('failed')
    expect(failed.error?.short).toMatch(/did not answer within 200 ms \(2 attempts\)$/)
    expect(fake.requests.slice(first).map((request) => request.closedByClient)).toEqual([true, true])
  })

  it('cancelling the run aborts the in-flight request at the endpoint within a second and stops the chat', async () => {
    fake.script({ hang: true })
    const hanging = fake.requests.length
    const run = await start('llm_chat')
    await fake.waitForRequests(hanging + 1)

    expect(await run.cancel()).toBe(200)
    await fake.waitForClientClose(hanging, 1_000)
    const cancelled = await run.finish()
    expect(cancelled.status).toBe('cancelled')
    await sleep(200)
    expect(fake.requests.length).toBe(hanging + 1) // no retry, no further turn
  })

  it('feeds a throwing tool’s error back to the model instead of failing the run', async () => {
    const first = fake.requests.length
    fake.script(
      { toolCalls: [{ id: 'call_t', name: 'read_sensor', arguments: { sensor: 'kitchen' } }] },
      { text: 'The sensor is offline, sorry.' },
    )
    const run = await start('llm_chat')
    const execution = await run.next('function_call_execution')
    const finished = await run.finish()

    expect(execution.content).toMatchObject({ function_name: 'read_sensor', call_id: 'call_t', retval: 'Error: sensor offline' })
    expect(finished).toMatchObject({ status: 'completed', result: 'The sensor is offline, sorry.' })
    expect(fake.requests[first + 1]?.body.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'call_t',
      content: 'Error: sensor offline',
    })
  })

  it('reports arguments that do not fit the tool’s schema to the model', async () => {
    fake.script(
      { toolCalls: [{ name: 'read_sensor', arguments: '{"sensor": 42' }] },
      { toolCalls: [{ name: 'read_sensor', arguments: {} }] },
      { text: 'ok' },
    )
    const run = await start('llm_chat')
    const notJson = await run.next('function_call_execution')
    const invalid = await run.next('function_call_execution')
    await run.finish()
    expect(notJson.content.retval).toMatch(/^Error: the arguments are not valid JSON/)
    expect(invalid.content.retval).toMatch(/^Error: invalid arguments for read_sensor/)
  })
})
