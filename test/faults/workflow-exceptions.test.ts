import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { echo } from '../../src/examples/message-types.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { defineWorkflow } from '../../src/runtime/define-workflow.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { drain, pendingQuestion, send } from '../support/app-requests.ts'

/** Says something, then throws whatever `throws` picks: the faults a workflow author can make. */
const THROWN: Record<string, () => unknown> = {
  error: () => new Error('the database is on fire'),
  type_error: () => new TypeError('cannot read properties of undefined'),
  string: () => 'plain string thrown',
  number: () => 42,
  null: () => null,
  undefined: () => undefined,
  object: () => ({ reason: 'quota exceeded', retry_in: 30 }),
  // String() throws on this one: the failure path must not.
  bare_object: () => Object.create(null),
}

const crash = defineWorkflow({
  name: 'crash',
  description: 'Throws the value named by `throws`',
  params: z.object({ throws: z.enum(Object.keys(THROWN) as [string, ...string[]]) }),
  async run(ui, params) {
    await ui.textMessage({ body: 'about to fail' })
    throw THROWN[params.throws]?.()
  },
})

const crashSync = defineWorkflow({
  name: 'crash_sync',
  description: 'Throws before returning a promise (not an async function)',
  run(): Promise<string> {
    throw new Error('thrown synchronously')
  },
})

const crashAfterReply = defineWorkflow({
  name: 'crash_after_reply',
  description: 'Asks, then throws with the answer',
  async run(ui) {
    const answer = await ui.textInput({ prompt: 'Last words?' })
    throw new Error(`refusing "${answer}"`)
  },
})

const unserialisable = defineWorkflow({
  name: 'unserialisable',
  description: 'Returns or emits what JSON cannot carry',
  params: z.object({ what: z.enum(['result', 'retval', 'cycle', 'wrong_type']) }),
  async run(ui, params) {
    if (params.what === 'result') return { big: 10n } as unknown as string
    if (params.what === 'wrong_type') {
      // What plain JavaScript (no type checker) can hand over: a number where the contract says string.
      await ui.textMessage({ body: 42 as unknown as string })
      return 'emitted'
    }
    if (params.what === 'retval') {
      await ui.functionCallExecution({ function_name: 'count', call_id: 'c1', retval: 10n })
    } else {
      const cyclic: Record<string, unknown> = { name: 'loop' }
      cyclic.self = cyclic
      await ui.systemMessage({ message: cyclic })
    }
    return 'emitted'
  },
})

const mutates = defineWorkflow({
  name: 'mutates',
  description: 'Changes an object after emitting it',
  async run(ui) {
    const state: Record<string, unknown> = { step: 1 }
    await ui.systemMessage({ message: state })
    state.step = 2
    state.secret = 'added later'
    return 'done'
  },
})

/** Ignores its AbortSignal, then throws after it was cancelled. */
const stubborn = defineWorkflow({
  name: 'stubborn',
  description: 'Keeps going after cancel, then throws',
  async run(ui) {
    await ui.textMessage({ body: 'working' })
    await sleep(150)
    throw new Error('thrown after cancel')
  },
})

const workflows = [crash, crashSync, crashAfterReply, unserialisable, mutates, stubborn, echo]

describe.each([
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore(':memory:')],
])('a workflow that fails (%s store)', (_kind, makeStore) => {
  let app: ParleyApp
  beforeEach(() => {
    app = createApp({ workflows, store: makeStore() })
  })
  afterEach(async () => {
    await app.close()
  })

  async function runToEnd(workflow: string, params: Record<string, unknown> = {}) {
    const created = await send(app, 'POST', '/v1/runs', { body: { workflow, params } })
    expect(created.status).toBe(201)
    const messages = await drain(app, created.body.id)
    const run = (await send(app, 'GET', `/v1/runs/${created.body.id}`)).body
    return { run, messages }
  }

  it('fails the run with an error message, then workflow_completed, and the server keeps serving', async () => {
    const others = await Promise.all(
      [1, 2, 3].map((n) => send(app, 'POST', '/v1/runs', { body: { workflow: 'echo', params: { text: `n${n}` } } })),
    )
    const { run, messages } = await runToEnd('crash', { throws: 'error' })

    expect(messages.map((m) => m.type)).toEqual(['workflow_started', 'text_message', 'error', 'workflow_completed'])
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4])
    expect(messages[2].content.short).toBe('Error: the database is on fire')
    expect(messages[3].content.result).toBeNull()
    expect(run.status).toBe('failed')
    expect(run.error.short).toBe('Error: the database is on fire')
    expect(run.result).toBeNull()
    expect(run.finished_at).toEqual(expect.any(String))

    for (const other of others) {
      const log = await drain(app, other.body.id)
      expect(log.at(-1)).toMatchObject({ type: 'workflow_completed', content: { result: expect.stringMatching(/^n\d$/) } })
    }
    const health = await send(app, 'GET', '/healthz')
    expect(health.body).toMatchObject({ status: 'ok', executing_runs: 0 })
  })

  it.each([
    ['string', 'plain string thrown'],
    ['number', '42'],
    ['null', 'null'],
    ['undefined', 'undefined'],
    ['type_error', 'TypeError: cannot read properties of undefined'],
    ['bare_object', '[object Object]'],
  ])('fails the run readably when the workflow throws a %s', async (throws, short) => {
    const { run, messages } = await runToEnd('crash', { throws })
    expect(run.status).toBe('failed')
    expect(run.error.short).toBe(short)
    expect(messages.slice(-2).map((m) => m.type)).toEqual(['error', 'workflow_completed'])
  })

  it('says what a thrown plain object held, not "[object Object]"', async () => {
    const { run } = await runToEnd('crash', { throws: 'object' })
    expect(run.status).toBe('failed')
    expect(run.error.short).toContain('quota exceeded')
    expect(run.error.short).not.toContain('[object Object]')
  })

  it('fails the run when `run` throws synchronously', async () => {
    const { run, messages } = await runToEnd('crash_sync')
    expect(run.error.short).toBe('Error: thrown synchronously')
    expect(messages.map((m) => m.type)).toEqual(['workflow_started', 'error', 'workflow_completed'])
  })

  it('fails the run after a question was answered, keeping the reply in the log', async () => {
    const created = await send(app, 'POST', '/v1/runs', { body: { workflow: 'crash_after_reply' } })
    const question = await pendingQuestion(app, created.body.id)
    await send(app, 'POST', `/v1/runs/${created.body.id}/replies`, { body: { question_id: question.id, answer: 'bye' } })
    const messages = await drain(app, created.body.id)
    expect(messages.map((m) => m.type)).toEqual(['workflow_started', 'text_input', 'reply', 'error', 'workflow_completed'])
    expect(messages[3].content.short).toBe('Error: refusing "bye"')
  })

  it.each(['result', 'retval', 'cycle'])(
    'fails the run, not the log, when the workflow hands over what JSON cannot carry (%s)',
    async (what) => {
      const { run, messages } = await runToEnd('unserialisable', { what })
      expect(run.status).toBe('failed')
      expect(run.error.short).toMatch(/^TypeError: /)
      // Every message of the run can still be read.
      expect(messages.at(-1)?.type).toBe('workflow_completed')
      const again = await send(app, 'GET', `/v1/runs/${run.id}/messages`)
      expect(again.status).toBe(200)
      expect(again.body.messages).toHaveLength(messages.length)
    },
  )

  it('fails the run with a message naming the field when the workflow emits content the contract does not allow', async () => {
    const { run, messages } = await runToEnd('unserialisable', { what: 'wrong_type' })
    expect(run.status).toBe('failed')
    expect(run.error.short).toContain('invalid text_message message: content.body')
    expect(messages.some((m) => m.type === 'text_message')).toBe(false)
  })

  it('keeps the log as it was written when the workflow later changes an object it emitted', async () => {
    const { messages } = await runToEnd('mutates')
    expect(messages.find((m) => m.type === 'system_message')?.content.message).toEqual({ step: 1 })
  })

  it('keeps a cancelled run cancelled when its workflow throws afterwards', async () => {
    const created = await send(app, 'POST', '/v1/runs', { body: { workflow: 'stubborn' } })
    const first = await send(app, 'GET', `/v1/runs/${created.body.id}/messages?after=1&wait=5`)
    expect(first.body.messages[0].content.body).toBe('working')
    expect((await send(app, 'POST', `/v1/runs/${created.body.id}/cancel`)).status).toBe(200)
    // Wait for the workflow to unwind (it throws ~150 ms after cancel).
    for (let i = 0; i < 500 && app.runs.executingCount > 0; i++) await sleep(10)
    expect(app.runs.executingCount).toBe(0)

    const run = (await send(app, 'GET', `/v1/runs/${created.body.id}`)).body
    expect(run.status).toBe('cancelled')
    expect(run.error).toBeNull()
    const messages = await drain(app, created.body.id)
    expect(messages.map((m) => m.type)).not.toContain('error')
    expect(messages.at(-1)?.type).toBe('workflow_completed')
  })
})
