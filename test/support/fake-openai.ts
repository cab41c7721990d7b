import { EventEmitter, once } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * An OpenAI-compatible chat-completions server on loopback, for driving the real `openai`
 * client: replies are scripted per test, every request is recorded, and it can fail (any
 * status), hang until the client gives up, and tell when the client closed a request. A request
 * with `stream: true` is answered as OpenAI streams (Server-Sent Events of `chat.completion.chunk`s,
 * a word per chunk), and can be cut off or left hanging part-way.
 */

/** What the fake answers to one request. */
export type FakeReply =
  | {
      text: string
      usage?: { prompt_tokens: number; completion_tokens: number }
      /** Streamed (`stream: true`): drop the connection after this many pieces of text. */
      cutAfter?: number
      /** Streamed: after this many pieces of text, send nothing more and leave the connection open. */
      hangAfter?: number
    }
  | { toolCalls: { name: string; arguments: Record<string, unknown> | string; id?: string }[]; text?: string }
  | { status: number; body: string | Record<string, unknown>; headers?: Record<string, string> }
  | { hang: true }

export interface RecordedRequest {
  readonly index: number
  readonly path: string
  readonly headers: IncomingMessage['headers']
  // biome-ignore lint/suspicious/noExplicitAny: the request body is read loosely, a field or two per test
  readonly body: any
  /** True once the client closed the connection before an answer was sent. */
  closedByClient: boolean
}

export interface FakeOpenAI {
  /** The base URL to give the client, ending in `/v1`. */
  readonly url: string
  readonly requests: RecordedRequest[]
  /** Queues replies, answered in order. */
  script(...replies: FakeReply[]): void
  /** What to answer once the script has run out; by default a text naming the request's number. */
  otherwise(responder: (request: RecordedRequest) => FakeReply): void
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>
  /** Resolves once the client has closed request `index` unanswered; rejects after `timeoutMs`. */
  waitForClientClose(index: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = []
  const queue: FakeReply[] = []
  const changes = new EventEmitter()
  let responder = (request: RecordedRequest): FakeReply => ({ text: `fake reply ${request.index + 1}` })

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const request: RecordedRequest = {
      index: requests.length,
      path: req.url ?? '',
      headers: req.headers,
      body: text ? JSON.parse(text) : null,
      closedByClient: false,
    }
    requests.push(request)
    res.on('close', () => {
      if (!res.writableFinished) request.closedByClient = true
      changes.emit('change')
    })
    changes.emit('change')
    if (req.method !== 'POST' || !request.path.endsWith('/chat/completions')) {
      return send(res, 404, { error: { message: `fake has no ${req.method} ${request.path}`, type: 'invalid_request_error' } })
    }
    answer(res, request, queue.shift() ?? responder(request))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo

  const waitFor = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done()) return
        clearTimeout(timer)
        changes.off('change', check)
        resolve()
      }
      const timer = setTimeout(() => {
        changes.off('change', check)
        reject(new Error(`fake OpenAI: timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      changes.on('change', check)
      check()
    })

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...replies) => void queue.push(...replies),
    otherwise: (next) => {
      responder = next
    },
    waitForRequests: (count, timeoutMs = 10_000) => waitFor(() => requests.length >= count, `${count} request(s)`, timeoutMs),
    waitForClientClose: (index, timeoutMs = 5_000) =>
      waitFor(() => requests[index]?.closedByClient === true, `the client to close request ${index}`, timeoutMs),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function answer(res: ServerResponse, request: RecordedRequest, reply: FakeReply): void {
  if ('hang' in reply) return // never answered: the client's timeout or abort ends it
  if ('status' in reply) {
    const json = typeof reply.body !== 'string'
    res.writeHead(reply.status, { 'content-type': json ? 'application/json' : 'text/plain', ...reply.headers })
    res.end(json ? JSON.stringify(reply.body) : reply.body)
    return
  }
  if (request.body?.stream === true) {
    stream(res, request, reply)
    return
  }
  const usage = 'usage' in reply && reply.usage ? reply.usage : { prompt_tokens: 11, completion_tokens: 7 }
  const toolCalls =
    'toolCalls' in reply
      ? reply.toolCalls.map((call, position) => ({
          id: call.id ?? `call_${request.index}_${position}`,
          type: 'function',
          function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
        }))
      : undefined
  send(res, 200, {
    id: `chatcmpl-fake-${request.index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.body?.model ?? 'fake',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text ?? null, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        finish_reason: toolCalls ? 'tool_calls' : 'stop',
        logprobs: null,
      },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  })
}

/** The reply as OpenAI streams it: a chunk per word of text, the tool calls, the finish, the usage, `[DONE]`. */
function stream(res: ServerResponse, request: RecordedRequest, reply: Extract<FakeReply, { text?: string }>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const base = { id: `chatcmpl-fake-${request.index}`, object: 'chat.completion.chunk', created: 0, model: request.body?.model ?? 'fake' }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`
  const words = reply.text?.match(/\s*\S+|\s+$/g) ?? []
  const cutAfter = 'cutAfter' in reply ? reply.cutAfter : undefined
  const hangAfter = 'hangAfter' in reply ? reply.hangAfter : undefined
  res.write(chunk({ role: 'assistant', content: '' }))
  for (const [position, word] of words.entries()) {
    if (position === cutAfter) {
      // Cut once what was written has left: the client has begun reading the answer when it breaks.
      res.write('', () => setTimeout(() => res.socket?.destroy(), 50))
      return
    }
    if (position === hangAfter) return
    res.write(chunk({ content: word }))
  }
  const calls = 'toolCalls' in reply ? reply.toolCalls : []
  for (const [position, call] of calls.entries()) {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments)
    const id = call.id ?? `call_${request.index}_${position}`
    res.write(chunk({ tool_calls: [{ index: position, id, type: 'function', function: { name: call.name, arguments: '' } }] }))
    res.write(chunk({ tool_calls: [{ index: position, function: { arguments: args } }] }))
  }
  res.write(chunk({}, calls.length > 0 ? 'tool_calls' : 'stop'))
  const usage = 'usage' in reply && reply.usage ? reply.usage : { prompt_tokens: 11, completion_tokens: 7 }
  if (request.body?.stream_options?.include_usage) {
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } })}\n\n`,
    )
  }
  res.end('data: [DONE]\n\n')
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}
