import type { Socket } from 'node:net'
import { connect } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { greet } from '../../src/examples/questions.ts'
import type { ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { answer, listMessages, nextQuestion, startRun } from '../support/contract-runs.ts'
import { waitFor } from '../support/wait-for.ts'

/** Clients that are slow, send too much, or walk away: answered honestly, and never logged as the server's fault. */

let app: ParleyApp
let server: RunningServer | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await server?.close()
  server = undefined
  vi.restoreAllMocks()
})

/** A raw connection to the server, with everything it receives and whether the server closed it. */
async function rawConnection(target: RunningServer) {
  const socket = connect(target.port, '127.0.0.1')
  sockets.push(socket)
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  const state = { received: '', ended: false, closed: false }
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    state.received += chunk
  })
  socket.on('end', () => {
    state.ended = true
  })
  socket.on('close', () => {
    state.closed = true
  })
  socket.on('error', () => undefined)
  return { socket, state }
}

/** Status, lower-cased headers and body of the first response in `text`. */
function parseResponse(text: string) {
  const [head = '', body = ''] = text.split('\r\n\r\n')
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  )
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}

describe('slow clients', () => {
  it('answers 408 and closes a connection whose headers trickle in past the header deadline', async () => {
    app = createApp({ workflows: [echo] })
    server = await serve(app, { port: 0, headersTimeoutMs: 300, requestTimeoutMs: 5000 })
    const { socket, state } = await rawConnection(server)
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    // A header line every 50 ms: the connection is never idle, the headers are never done.
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: yes\r\n'), 50)
    try {
      await waitFor(() => state.closed || state.ended, 'the server closes the slowloris connection', { timeoutMs: 15_000 })
    } finally {
      clearInterval(trickle)
    }
    const response = parseResponse(state.received)
    expect(response.status).toBe(408)
    expect(response.headers['content-type']).toBe('application/problem+json')
    expect(JSON.parse(response.body)).toMatchObject({ status: 408, code: 'request_timeout' })
  })

  it('answers 408 to a body that trickles in past the request deadline', async () => {
    app = createApp({ workflows: [echo] })
    server = await serve(app, { port: 0, headersTimeoutMs: 300, requestTimeoutMs: 600 })
    const { socket, state } = await rawConnection(server)
    socket.write(
      'POST /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"workflow":',
    )
    const trickle = setInterval(() => socket.writable && socket.write(' '), 50)
    try {
      await waitFor(() => state.closed || state.ended, 'the server closes the slow body', { timeoutMs: 15_000 })
    } finally {
      clearInterval(trickle)
    }
    expect(parseResponse(state.received).status).toBe(408)
  })

  it('still holds a long-poll past the request deadline: the deadline covers receiving the request only', async () => {
    app = createApp({ workflows: [greet] })
    server = await serve(app, { port: 0, headersTimeoutMs: 200, requestTimeoutMs: 400 })
    const run = await startRun(server.url, 'greet')
    const question = await nextQuestion(server.url, run.id)
    const held = listMessages(server.url, run.id, `after=${question.seq}&wait=20`)
    await waitFor(() => app.runs.polls.held === 1, 'the poll is held')
    // Well past the request deadline (and several of Node's checks of it), the poll is still there.
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect(app.runs.polls.held).toBe(1)
    await answer(server.url, run.id, question.id, 'Ada')
    const page = await held
    expect(page.status).toBe(200)
    expect(page.body.messages[0]).toMatchObject({ type: 'reply', seq: question.seq + 1 })
  })
})

describe('a body over the limit', () => {
  it('is answered 413 with Connection: close, and the server closes the connection without reading the rest', async () => {
    app = createApp({ workflows: [echo], limits: { maxBodyBytes: 1024 } })
    server = await serve(app, { port: 0 })
    const { socket, state } = await rawConnection(server)
    socket.write('POST /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n')
    socket.write('x'.repeat(16 * 1024))
    // The client sends no more: only the server can end the connection.
    await waitFor(() => state.ended || state.closed, 'the server closes the connection', { timeoutMs: 10_000 })
    const response = parseResponse(state.received)
    expect(response.status).toBe(413)
    expect(response.headers.connection).toBe('close')
    expect(JSON.parse(response.body)).toMatchObject({ status: 413, code: 'payload_too_large' })
  })

  it('comes back as a readable 413 to fetch, which sees the connection closed', async () => {
    app = createApp({ workflows: [echo], limits: { maxBodyBytes: 1024 } })
    server = await serve(app, { port: 0 })
    const response = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: 'echo', params: { text: 'x'.repeat(4096) } }),
    })
    expect(response.status).toBe(413)
    expect(response.headers.get('connection')).toBe('close')
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' })
  })
})

describe('a client that walks away', () => {
  it('is not logged as an unhandled error, mid-body or during a held long-poll', async () => {
    const logged: string[] = []
    for (const level of ['error', 'warn', 'info', 'log'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(`${level}: ${args.map(String).join(' ')}`))
    }
    app = createApp({ workflows: [greet] })
    server = await serve(app, { port: 0 })

    // Mid-body: a chunked POST cut off after its first chunk.
    const posting = await rawConnection(server)
    posting.socket.write(
      'POST /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    )
    posting.socket.write('c\r\n{"workflow":\r\n')
    await new Promise((resolve) => setTimeout(resolve, 200))
    posting.socket.destroy()

    // During a held long-poll.
    const run = await startRun(server.url, 'greet')
    const question = await nextQuestion(server.url, run.id)
    const polling = await rawConnection(server)
    polling.socket.write(`GET /v1/runs/${run.id}/messages?after=${question.seq}&wait=30 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    await waitFor(() => app.runs.polls.held === 1, 'the poll is held')
    polling.socket.destroy()
    await waitFor(() => app.runs.polls.held === 0, 'the abandoned poll is let go')

    // The server has seen both go (and still serves): nothing in its log.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect(logged).toEqual([])
  })
})
