import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Message } from '../../clients/typescript/index.ts'
import { createClient, ParleyApiError } from '../../clients/typescript/index.ts'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import { createApp } from '../../src/http/app.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { contractFetch } from '../support/contract.ts'

let server: RunningServer
beforeEach(async () => {
  server = await serve(createApp({ workflows: [greet, echo] }), { port: 0 })
})
afterEach(async () => {
  await server.close()
})

/** The client over the real fetch, every response checked against openapi/v1.json on the way. */
const checkedClient = (wrap: (request: Request) => Promise<Response> = (request) => fetch(request)) =>
  createClient({ baseUrl: server.url, fetch: contractFetch(wrap) })

/** Answers whatever the run asks, and collects the whole log. */
async function converse(client: ReturnType<typeof createClient>, runId: string, options: { wait?: number } = {}) {
  const seen: Message[] = []
  for await (const message of client.messages(runId, options)) {
    seen.push(message)
    if (message.type === 'text_input') expect((await client.reply(runId, message.id, 'Ada')).response.status).toBe(201)
    if (message.type === 'multiple_choice') expect((await client.reply(runId, message.id, 'good')).response.status).toBe(201)
  }
  return seen
}

describe('the TypeScript client against a real server', () => {
  it('starts a greet run, follows its messages, answers its questions and sees it complete', async () => {
    const client = checkedClient()
    const { data: run, error } = await client.startRun('greet', { greeting: 'Hi' })
    expect(error).toBeUndefined()
    if (!run) throw new Error('no run')

    const seen = await converse(client, run.id)
    expect(seen.map((message) => message.type)).toEqual([
      'workflow_started',
      'text_input',
      'reply',
      'multiple_choice',
      'reply',
      'text_message',
      'workflow_completed',
    ])
    expect(seen.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    const said = seen[5]
    expect(said?.type === 'text_message' && said.content.body).toBe('Hi, Ada (good)')

    const { data: done } = await client.GET('/v1/runs/{run_id}', { params: { path: { run_id: run.id } } })
    expect(done).toMatchObject({ status: 'completed', result: 'greeted Ada' })
  })

  it('works with the global fetch by default, and with the typed per-workflow endpoint', async () => {
    const client = createClient({ baseUrl: server.url })
    const { data: run, response } = await client.POST('/v1/workflows/echo/runs', { body: {} })
    expect(response.status).toBe(201)
    if (!run) throw new Error('no run')
    const seen = await converse(client, run.id)
    expect(seen.at(-1)).toMatchObject({ type: 'workflow_completed', content: { result: 'Hello from Parley' } })
  })

  it('returns HTTP errors as values: a 404 problem in `error`, no throw', async () => {
    const client = checkedClient()
    const { data, error, response } = await client.GET('/v1/runs/{run_id}', { params: { path: { run_id: 'no-such-run' } } })
    expect(data).toBeUndefined()
    expect(response.status).toBe(404)
    expect(error).toMatchObject({ status: 404, code: 'run_not_found' })

    const unknown = await client.startRun('no_such_workflow')
    expect(unknown.error?.code).toBe('workflow_not_found')
    const badReply = await client.reply('no-such-run', 'q', 'x')
    expect(badReply.error?.code).toBe('run_not_found')
  })

  it('returns a repeated reply as 200 and a conflicting one as a 409 problem', async () => {
    const client = checkedClient()
    const { data: run } = await client.startRun('greet')
    if (!run) throw new Error('no run')
    for await (const message of client.messages(run.id)) {
      if (message.type !== 'text_input') continue
      expect((await client.reply(run.id, message.id, 'Ada')).response.status).toBe(201)
      expect((await client.reply(run.id, message.id, 'Ada')).response.status).toBe(200)
      const conflict = await client.reply(run.id, message.id, 'Grace')
      expect(conflict.error?.code).toBe('question_not_pending')
      break
    }
    await client.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: run.id } } })
  })

  it('keeps iterating across long-polls the server ends empty after `wait`', async () => {
    let emptyPolls = 0
    const client = checkedClient(async (request) => {
      const response = await fetch(request)
      if (request.url.includes('/messages')) {
        const page = (await response.clone().json()) as { messages: unknown[] }
        if (page.messages.length === 0) emptyPolls++
      }
      return response
    })
    const { data: run } = await client.startRun('greet')
    if (!run) throw new Error('no run')
    const seen: Message[] = []
    for await (const message of client.messages(run.id, { wait: 0.1 })) {
      seen.push(message)
      // Answer only after a few polls came back empty.
      if (message.type === 'text_input') setTimeout(() => void client.reply(run.id, message.id, 'Ada'), 350)
      if (message.type === 'multiple_choice') await client.reply(run.id, message.id, 'bad')
    }
    expect(emptyPolls).toBeGreaterThanOrEqual(2)
    expect(seen.map((message) => message.seq)).toEqual(seen.map((_, index) => index + 1))
    expect(seen.at(-1)).toMatchObject({ type: 'workflow_completed', content: { result: 'greeted Ada' } })
  })

  it('retries a dropped connection and a proxy’s 503 from the same cursor: no message skipped or repeated', async () => {
    let polls = 0
    const checked = contractFetch((request) => fetch(request))
    // The failures stand in for the network and a proxy in front of the server: outside the contract.
    const client = createClient({
      baseUrl: server.url,
      fetch: async (request) => {
        if (request.url.includes('/messages')) {
          polls++
          if (polls === 2) throw new TypeError('fetch failed')
          if (polls === 3) return new Response('<html>Bad gateway</html>', { status: 503, headers: { 'content-type': 'text/html' } })
        }
        return checked(request)
      },
    })
    const { data: run } = await client.startRun('greet')
    if (!run) throw new Error('no run')
    const seen = await converse(client, run.id)
    expect(polls).toBeGreaterThan(3)
    expect(seen.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('starts after the given cursor, and throws a ParleyApiError for an unknown run', async () => {
    const client = checkedClient()
    const { data: run } = await client.startRun('echo', { text: 'later' })
    if (!run) throw new Error('no run')
    const tail: number[] = []
    for await (const message of client.messages(run.id, { after: 1 })) tail.push(message.seq)
    expect(tail).toEqual([2, 3])

    const failing = client.messages('no-such-run')[Symbol.asyncIterator]().next()
    await expect(failing).rejects.toBeInstanceOf(ParleyApiError)
    await expect(client.messages('no-such-run').next()).rejects.toMatchObject({ status: 404, problem: { code: 'run_not_found' } })
  })

  it('stops a held long-poll when its signal is aborted', async () => {
    const client = checkedClient()
    const { data: run } = await client.startRun('greet')
    if (!run) throw new Error('no run')
    const controller = new AbortController()
    const seen: string[] = []
    const following = (async () => {
      for await (const message of client.messages(run.id, { signal: controller.signal, wait: 30 })) seen.push(message.type)
    })()
    setTimeout(() => controller.abort(new Error('user left')), 300)
    const started = Date.now()
    await expect(following).rejects.toThrow('user left')
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(seen).toEqual(['workflow_started', 'text_input'])
    await client.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: run.id } } })
  })
})

describe('the TypeScript client’s types', () => {
  it('types the params of the workflows in the contract, and takes any params for others (checked by tsc)', () => {
    const client = createClient({ baseUrl: 'http://parley.test', fetch: async () => new Response(null, { status: 204 }) })
    const neverCalled = () => [
      client.startRun('greet', { greeting: 'Hi' }),
      // @ts-expect-error greet's greeting is a string
      client.startRun('greet', { greeting: 1 }),
      client.startRun('a_workflow_of_my_own', { anything: 1 }),
      client.POST('/v1/workflows/greet/runs', { body: {} }),
    ]
    expect(typeof neverCalled).toBe('function')
  })
})

describe('the TypeScript client with an API key', () => {
  it('sends it as a Bearer token; without one the server answers 401 as a value', async () => {
    const secured = await serve(createApp({ workflows: [echo], auth: { apiKeys: { 'ts-client-key-0123456789': 'alice' } } }), { port: 0 })
    try {
      const withKey = createClient({
        baseUrl: secured.url,
        apiKey: 'ts-client-key-0123456789',
        fetch: contractFetch((request) => fetch(request)),
      })
      const { data: run } = await withKey.startRun('echo')
      expect(run?.workflow).toBe('echo')
      const anonymous = createClient({ baseUrl: secured.url, fetch: contractFetch((request) => fetch(request)) })
      const refused = await anonymous.GET('/v1/runs')
      expect(refused.response.status).toBe(401)
      expect(refused.error?.code).toBe('unauthorized')
    } finally {
      await secured.close()
    }
  })
})
