import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { approval, greet } from '../../src/examples/questions.ts'
import type { CreateAppOptions, ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import { DetachedStream } from '../../src/http/detached-answer.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { call } from '../support/contract.ts'
import { answer, nextQuestion, startRun, untilHeldPolls } from '../support/contract-runs.ts'
import { openEvents } from '../support/event-stream.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * Over HTTP, a long-poll that waits is answered after Hono's chain has let go of it
 * (src/http/detached-answer.ts). Its answer must be the one the chain would have given: the same
 * status, headers and contract-checked body as a poll answered at once.
 */

const ORIGIN = 'http://ui.example'
let server: RunningServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

let app: ParleyApp

async function start(options: Partial<CreateAppOptions> = {}) {
  app = createApp({ workflows: [greet, echo, approval], ...options })
  server = await serve(app, { port: 0 })
  return server.url
}

/** The headers a client can compare between two answers: all but the framing and the date. */
function comparable(headers: Headers) {
  return Object.fromEntries([...headers].filter(([name]) => !['date', 'content-length', 'keep-alive', 'connection'].includes(name)))
}

describe('a held long-poll answered over HTTP', () => {
  it('carries the same headers as one answered at once, CORS included, and the message that ended its wait', async () => {
    const url = await start({ corsOrigins: [ORIGIN] })
    const run = await startRun(url, 'greet')
    const question = await nextQuestion(url, run.id)
    const headers = { origin: ORIGIN }

    const atOnce = await call(url, 'GET', `/v1/runs/${run.id}/messages?after=0&wait=5`, { headers })
    expect(atOnce.status).toBe(200)
    expect(atOnce.body.messages.length).toBeGreaterThan(0)

    const held = call(url, 'GET', `/v1/runs/${run.id}/messages?after=${question.seq}&wait=20`, { headers })
    await untilHeldPolls(url, 1)
    await answer(url, run.id, question.id, 'Ada')
    const page = await held

    expect(page.status).toBe(200)
    expect(page.body.messages[0]).toMatchObject({ type: 'reply', content: { answer: 'Ada' } })
    expect(page.body.next_after).toBe(page.body.messages.at(-1).seq)
    expect(page.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(page.headers.get('vary')).toBe('Origin')
    expect(comparable(page.headers)).toEqual(comparable(atOnce.headers))
    expect(Number(page.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(page.body)))
    // Given back: nothing is held any more.
    expect((await call(url, 'GET', '/healthz')).body.held_polls).toBe(0)
  })

  it('answers an empty page with the cursor unchanged when its wait ends with nothing', async () => {
    const url = await start()
    const run = await startRun(url, 'greet')
    const question = await nextQuestion(url, run.id)
    const page = await call(url, 'GET', `/v1/runs/${run.id}/messages?after=${question.seq}&wait=1`)
    expect(page.status).toBe(200)
    expect(page.body).toEqual({ messages: [], next_after: question.seq, run_status: 'awaiting_input', last_seq: question.seq })
  })

  it('answers a held HEAD with the headers a GET would have, and no body', async () => {
    const url = await start()
    const run = await startRun(url, 'greet')
    const question = await nextQuestion(url, run.id)
    const path = `/v1/runs/${run.id}/messages?after=${question.seq}&wait=20&limit=1`
    // Both held on the same cursor, both answered by the same reply: the same page.
    const heldHead = fetch(`${url}${path}`, { method: 'HEAD' })
    const heldGet = fetch(`${url}${path}`)
    await untilHeldPolls(url, 2)
    await answer(url, run.id, question.id, 'Grace')
    const [head, get] = await Promise.all([heldHead, heldGet])
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('application/json')
    expect(await head.text()).toBe('')
    const page = await get.text()
    expect(JSON.parse(page).messages).toMatchObject([{ type: 'reply', content: { answer: 'Grace' } }])
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(page)))
  })

  it('answers each of many held polls of one user, with API keys, once its own run moves', async () => {
    const key = 'k'.repeat(24)
    const url = await start({ auth: { apiKeys: { [key]: 'ada' } } })
    const authorization = { authorization: `Bearer ${key}` }
    const runs = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const created = await call(url, 'POST', '/v1/runs', { body: { workflow: 'greet' }, headers: authorization })
        return created.body
      }),
    )
    // Each run's question, once it is asked (a loaded machine may take a while to start five).
    const asked = await Promise.all(
      runs.map((run) =>
        waitFor(
          async () => (await call(url, 'GET', `/v1/runs/${run.id}`, { headers: authorization })).body.pending_question,
          `run ${run.id} asking`,
        ),
      ),
    )
    const held = runs.map((run, index) =>
      call(url, 'GET', `/v1/runs/${run.id}/messages?after=${asked[index].seq}&wait=20`, { headers: authorization }),
    )
    // /healthz keeps the count to itself with auth on: the app's own gauge says they wait.
    await waitFor(() => app.runs.polls.held === runs.length, 'five held polls')
    // Answered in reverse: each poll gets its own run's reply, whatever the order.
    for (const [index, run] of [...runs.entries()].reverse()) {
      const reply = await call(url, 'POST', `/v1/runs/${run.id}/replies`, {
        body: { question_id: asked[index].id, answer: `name ${index}` },
        headers: authorization,
      })
      expect(reply.status).toBe(201)
    }
    for (const [index, page] of (await Promise.all(held)).entries()) {
      expect(page.status).toBe(200)
      expect(page.body.messages[0]).toMatchObject({ type: 'reply', content: { answer: `name ${index}` } })
    }
  })

  it('answers a held inbox poll with the question asked, with the headers of an inbox answered at once', async () => {
    const keys = { ['a'.repeat(24)]: 'alice', ['b'.repeat(24)]: 'bob' }
    const url = await start({ corsOrigins: [ORIGIN], auth: { apiKeys: keys } })
    const as = (user: string) => ({ origin: ORIGIN, authorization: `Bearer ${user[0]?.repeat(24)}` })
    const atOnce = await call(url, 'GET', '/v1/questions', { headers: as('alice') })
    expect(atOnce.body).toEqual({ questions: [], next_cursor: null })

    const held = call(url, 'GET', '/v1/questions?wait=20', { headers: as('alice') })
    await waitFor(() => app.runs.polls.held === 1, 'the inbox held')
    const created = await call(url, 'POST', '/v1/runs', {
      body: { workflow: 'approval', params: { request: 'Deploy', approvers: ['alice'] } },
      headers: as('bob'),
    })
    expect(created.status).toBe(201)
    const page = await held

    expect(page.status).toBe(200)
    expect(page.body.questions).toHaveLength(1)
    expect(page.body.questions[0].run.id).toBe(created.body.id)
    expect(page.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(comparable(page.headers)).toEqual(comparable(atOnce.headers))
    expect(Number(page.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(page.body)))
    expect(app.runs.polls.held).toBe(0)
  })

  it('gives back the place of a held inbox poll whose client leaves, and answers the next one', async () => {
    const url = await start()
    const gone = httpRequest(`${url}/v1/questions?wait=30`)
    gone.on('error', () => undefined) // the destroy below surfaces here
    gone.end()
    await waitFor(() => app.runs.polls.held === 1, 'the inbox held')
    gone.destroy()
    await waitFor(() => app.runs.polls.held === 0, 'the place given back')
    // The server goes on holding and answering inbox polls.
    const next = call(url, 'GET', '/v1/questions?wait=1')
    expect((await next).body).toEqual({ questions: [], next_cursor: null })
  })

  it('opens an event stream at once, before its first event, with the chain’s headers, and sends what comes next', async () => {
    const url = await start({ corsOrigins: [ORIGIN] })
    const run = await startRun(url, 'greet')
    const question = await nextQuestion(url, run.id)
    // Nothing after the cursor, and no heartbeat for a minute: only the head can arrive before the reply.
    const client = new AbortController()
    const response = await fetch(`${url}/v1/runs/${run.id}/events?after=${question.seq}&heartbeat=60`, {
      headers: { origin: ORIGIN },
      signal: client.signal,
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(response.headers.get('x-accel-buffering')).toBe('no')
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    client.abort()
    await waitFor(() => app.runs.polls.held === 0, 'the stream let go')

    // The same through the contract-checking reader: the reply arrives as the next event.
    const stream = await openEvents(url, run.id, { after: question.seq, heartbeat: 60 })
    const reply = await answer(url, run.id, question.id, 'Ada')
    expect((await stream.take(1))[0]?.data).toEqual(reply)
    stream.close()
  })
})

describe('a detached stream', () => {
  it('waits while its client reads nothing, then sends everything in order once it reads again', async () => {
    const CHUNK = 'x'.repeat(64 * 1024)
    const CHUNKS = 256 // 16 MiB: far past what the kernel's socket buffers take from a client that does not read
    let sent = 0
    let stalled = false
    let written: () => void = () => undefined
    const allWritten = new Promise<void>((resolve) => {
      written = resolve
    })
    const node = createServer(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      const stream = new DetachedStream(response)
      for (let index = 0; index < CHUNKS; index++) {
        let resolved = false
        const write = stream.write(`${String(index).padStart(8, '0')}${CHUNK}`).then(() => {
          resolved = true
        })
        await new Promise((tick) => setImmediate(tick))
        if (!resolved) stalled = true
        await write
        sent++
      }
      stream.end()
      written()
    })
    try {
      node.listen(0, '127.0.0.1')
      await once(node, 'listening')
      const { port } = node.address() as AddressInfo
      const response = await new Promise<IncomingMessage>((resolve) => httpRequest({ host: '127.0.0.1', port, path: '/' }, resolve).end())
      response.pause()
      // The writer stops: it waits for the client instead of buffering all 16 MiB.
      await waitFor(() => stalled, 'the writer waiting for the client')
      expect(sent).toBeLessThan(CHUNKS)
      let received = ''
      response.setEncoding('latin1')
      response.on('data', (text: string) => {
        received += text
      })
      response.resume()
      await once(response, 'end')
      await allWritten
      expect(sent).toBe(CHUNKS)
      const indexes = received.split(CHUNK).filter(Boolean)
      expect(indexes).toEqual(Array.from({ length: CHUNKS }, (_, index) => String(index).padStart(8, '0')))
    } finally {
      node.close()
    }
  })
})
