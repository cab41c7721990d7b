import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Problem } from '../../clients/typescript/index.ts'
import * as examples from '../../src/examples/index.ts'
import { createApp } from '../../src/http/app.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { checkResponse } from '../support/contract.ts'

/**
 * Requests that never reach the app: Node's HTTP parser refuses them, or @hono/node-server cannot
 * make a URL of them. Sent byte for byte on a socket to the real server; each must still be
 * answered with a documented problem, as the rest of the API is.
 */
let server: RunningServer
beforeAll(async () => {
  server = await serve(createApp({ workflows: examples }), { port: 0 })
})
afterAll(async () => {
  await server.close()
})

interface RawResponse {
  status: number
  headers: Headers
  body: string
}

/** Writes `raw` and reads until the server closes the connection or one whole response has arrived. */
function exchange(raw: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1')
    let received = ''
    const parse = (): RawResponse | null => {
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return null
      const [statusLine = '', ...lines] = received.slice(0, end).split('\r\n')
      const headers = new Headers(
        lines.map((line): [string, string] => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
      )
      const body = received.slice(end + 4)
      const length = Number(headers.get('content-length') ?? Number.NaN)
      if (Number.isNaN(length) || Buffer.byteLength(body) < length) return null
      return { status: Number(statusLine.split(' ')[1]), headers, body }
    }
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => {
      received += chunk
      const response = parse()
      if (response) {
        socket.destroy()
        resolve(response)
      }
    })
    socket.on('end', () => {
      const response = parse()
      if (response) resolve(response)
      else reject(new Error(`no whole response: ${JSON.stringify(received.slice(0, 300))}`))
    })
    socket.on('error', reject)
    socket.write(raw)
  })
}

/** Checks the answer as any operation's documented problem (these statuses are on every one), returns the problem. */
async function documentedProblem(response: RawResponse) {
  const checked = new Response(response.body, { status: response.status, headers: response.headers })
  return (await checkResponse('GET', '/v1/workflows', checked)) as Problem
}

describe('requests the app never sees', () => {
  it('answers a request line HTTP cannot parse with a 400 problem and closes the connection', async () => {
    const response = await exchange('GARBAGE\r\n\r\n')
    expect(response.status).toBe(400)
    expect(response.headers.get('connection')).toBe('close')
    expect(await documentedProblem(response)).toMatchObject({ code: 'bad_request', status: 400 })
  })

  it('answers headers over Node’s limit with a 431 problem', async () => {
    const response = await exchange(`GET /v1/workflows HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`)
    expect(response.status).toBe(431)
    expect(await documentedProblem(response)).toMatchObject({ code: 'headers_too_large', status: 431 })
  })

  it('answers OPTIONS * and a request without Host with a 400 problem, not an empty text/plain', async () => {
    for (const raw of ['OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n', 'GET /v1/workflows HTTP/1.1\r\n\r\n']) {
      const response = await exchange(raw)
      expect(response.status, raw).toBe(400)
      expect(response.headers.get('content-type'), raw).toBe('application/problem+json')
      expect(await documentedProblem(response)).toMatchObject({ code: 'bad_request' })
    }
  })

  it('keeps serving after each of them', async () => {
    const response = await exchange('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toMatchObject({ status: 'ok' })
  })
})
