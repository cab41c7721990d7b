import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Message, MessagePage } from '../../clients/typescript/index.ts'
import { createClient, ParleyApiError } from '../../clients/typescript/index.ts'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import { createApp } from '../../src/http/app.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { contractFetch } from '../support/contract.ts'
import { waitFor } from '../support/wait-for.ts'

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

  it('reads the inbox: a held questions() answers with the question the run asks, and reply() answers it', async () => {
    const client = checkedClient()
    const held = client.questions({ wait: 20 })
    const { data: run } = await client.startRun('greet', { greeting: 'Hi' })
    const { data: inbox } = await held
    const item = inbox?.questions[0]
    expect(item).toMatchObject({ status: 'pending', mine: true, run: { id: run?.id, workflow: 'greet' } })
    if (!item) throw new Error('no question')
    const { data: reply, response } = await client.reply(item.run.id, item.question.id, 'Ada')
    expect(response.status).toBe(201)
    expect(reply?.type === 'reply' && reply.content.answered_by).toBe('anonymous')
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
        const page = (await response.clone().json()) as MessagePage
        if (page.messages.length === 0) emptyPolls++
      }
      return response
    })
    const { data: run } = await client.startRun('greet')
    if (!run) throw new Error('no run')
    const seen: Message[] = []
    let emptyBeforeReply = 0
    for await (const message of client.messages(run.id, { wait: 0.1 })) {
      seen.push(message)
      // Answered only once two polls came back empty meanwhile: the iterator has to carry on past them.
      if (message.type === 'text_input') {
        const question = message
        const before = emptyPolls
        void waitFor(() => emptyPolls >= before + 2, 'two empty polls', { everyMs: 10 }).then(() => {
          emptyBeforeReply = emptyPolls - before
          return client.reply(run.id, question.id, 'Ada')
        })
      }
      if (message.type === 'multiple_choice') await client.reply(run.id, message.id, 'bad')
    }
    expect(emptyBeforeReply).toBeGreaterThanOrEqual(2)
    expect(seen.map((message) => message.type)).toEqual([
      'workflow_started',
      'text_input',
      'reply',
      'multiple_choice',
      'reply',
      'text_message',
      'workflow_completed',
    ])
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

  it('follows the log page by page, each page with the run’s status, ending with the page that shows it finished', async () => {
    const client = checkedClient()
    const { data: run } = await client.startRun('echo', { text: 'pages' })
    if (!run) throw new Error('no run')
    const pages: MessagePage[] = []
    for await (const page of client.pages(run.id, { wait: 5 })) pages.push(page)
    expect(pages.flatMap((page) => page.messages.map((message) => message.seq))).toEqual([1, 2, 3])
    expect(pages.at(-1)).toMatchObject({ run_status: 'completed', next_after: 3, last_seq: 3 })
  })

  it('stops a held long-poll when its signal is aborted', async () => {
    const controller = new AbortController()
    // The poll after the question (`after=2`) is the one the server holds: abort once it is on its way.
    const client = checkedClient((request) => {
      if (new URL(request.url).searchParams.get('after') === '2') setTimeout(() => controller.abort(new Error('user left')), 100)
      return fetch(request)
    })
    const { data: run } = await client.startRun('greet')
    if (!run) throw new Error('no run')
    const seen: string[] = []
    const started = Date.now()
    const following = (async () => {
      for await (const message of client.messages(run.id, { signal: controller.signal, wait: 30 })) seen.push(message.type)
    })()
    await expect(following).rejects.toThrow('user left')
    // Well before the 30 s the server would have held the poll.
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(seen).toEqual(['workflow_started', 'text_input'])
    await client.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: run.id } } })
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
