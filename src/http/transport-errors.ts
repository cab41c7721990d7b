/**
 * Errors below the app: a request Node's HTTP parser refuses (a malformed request line, headers
 * too large, a request too slow) or one @hono/node-server cannot turn into a URL (a missing or
 * bad Host, `OPTIONS *`). They get the same problem+json as everything else, not Node's bare
 * status line or the adapter's empty text/plain.
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { RequestError } from '@hono/node-server'
import type { ProblemCode } from '../schemas/problem.ts'
import { problemOf } from './problem.ts'

const PROBLEM_JSON = 'application/problem+json'

/** Node's `clientError` hook: answers on the raw socket, then closes it (the parser cannot go on). */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // The client has gone, or something was already written: there is no one to tell.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const { code, detail } = describeParserError(error.code)
  const body = JSON.stringify(problemOf(code, detail))
  const status = problemOf(code, detail).status
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Content-Type: ${PROBLEM_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

function describeParserError(code: string | undefined): { code: ProblemCode; detail: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'headers_too_large', detail: 'The request headers are larger than the server accepts' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'request_timeout', detail: 'The request was not received in time' }
    default:
      return { code: 'bad_request', detail: `The request is not valid HTTP (${code ?? 'parse error'})` }
  }
}

/**
 * @hono/node-server's `errorHandler`: a request it cannot build (RequestError) is the client's
 * fault, 400; anything else is ours, 500, and logged.
 */
export function requestErrorResponse(error: unknown): Response {
  const problem =
    error instanceof RequestError
      ? problemOf('bad_request', `The request cannot be read: ${error.message}`)
      : problemOf('internal_error', 'The server failed to handle this request')
  if (!(error instanceof RequestError)) console.error('parley: unhandled error before routing', error)
  return new Response(JSON.stringify(problem), { status: problem.status, headers: { 'content-type': PROBLEM_JSON } })
}
