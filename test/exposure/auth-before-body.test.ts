import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { echo } from '../../src/examples/message-types.ts'
import { createApp } from '../../src/http/app.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'

const KEY = 'key-alice-0123456789'
const TWO_MB = 2 * 1024 * 1024

let server: RunningServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/**
 * POSTs a JSON body of about `bytes` bytes, chunked (no Content-Length), a KiB at a time; stops
 * writing once the server has answered (it may close the connection: that is allowed).
 */
function postChunked(url: string, bytes: number, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; sentBeforeAnswer: number }>((resolve, reject) => {
    let sent = 0
    let answered = false
    const req = httpRequest(
      url,
      { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        answered = true
        const sentBeforeAnswer = sent
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, sentBeforeAnswer }))
      },
    )
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)))
    const chunk = 'y'.repeat(1024)
    const write = () => {
      while (!answered && sent < bytes) {
        sent += chunk.length
        if (!req.write(sent === chunk.length ? `{"workflow":"echo","params":{"text":"${chunk}` : chunk)) {
          req.once('drain', write)
          return
        }
      }
      req.end('"}}')
    }
    write()
  })
}

describe('authentication before the body', () => {
  it('answers a 2 MB chunked POST without a key with 401, not 413', async () => {
    const app = createApp({ workflows: [echo], auth: { apiKeys: { [KEY]: 'alice' } } })
    server = await serve(app, { port: 0 })
    const refused = await postChunked(`${server.url}/v1/runs`, TWO_MB)
    expect(refused.status).toBe(401)
    expect(JSON.parse(refused.body)).toMatchObject({ status: 401, code: 'unauthorized' })
    expect(app.runs.executingCount).toBe(0)
  })

  it('still bounds the body of an authenticated request: the same upload with a key is 413', async () => {
    const app = createApp({ workflows: [echo], auth: { apiKeys: { [KEY]: 'alice' } } })
    server = await serve(app, { port: 0 })
    const refused = await postChunked(`${server.url}/v1/runs`, TWO_MB, { authorization: `Bearer ${KEY}` })
    expect(refused.status).toBe(413)
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'payload_too_large' })
  })
})
