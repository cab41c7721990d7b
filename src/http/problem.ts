import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ParleyError, RetryLaterError } from '../runtime/errors.ts'
import type { FieldError, Problem, ProblemCode } from '../schemas/problem.ts'
import { StoreUnavailableError } from '../store/store.ts'

/** The HTTP status of each problem code (RFC 9110 §15 semantics). */
const STATUS: Record<ProblemCode, ContentfulStatusCode> = {
  validation_failed: 422,
  bad_request: 400,
  malformed_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  route_not_found: 404,
  method_not_allowed: 405,
  workflow_not_found: 404,
  run_not_found: 404,
  question_not_found: 404,
  webhook_not_found: 404,
  question_not_pending: 409,
  question_expired: 409,
  answer_invalid: 422,
  run_not_active: 409,
  idempotency_key_mismatch: 422,
  too_many_active_runs: 429,
  too_many_webhooks: 409,
  too_many_held_polls: 429,
  rate_limited: 429,
  unauthorized: 401,
  host_not_allowed: 421,
  headers_too_large: 431,
  request_timeout: 408,
  internal_error: 500,
  store_unavailable: 503,
}

const TITLES: Record<ProblemCode, string> = {
  validation_failed: 'The request is not valid',
  bad_request: 'The request cannot be read',
  malformed_json: 'The request body is not valid JSON',
  unsupported_media_type: 'The request body must be application/json',
  payload_too_large: 'The request body is too large',
  route_not_found: 'No such endpoint',
  method_not_allowed: 'Method not allowed on this endpoint',
  workflow_not_found: 'No such workflow',
  run_not_found: 'No such run',
  question_not_found: 'No such question',
  webhook_not_found: 'No such webhook',
  question_not_pending: 'The question is not waiting for an answer',
  question_expired: 'The question has expired',
  answer_invalid: 'The answer does not fit the question',
  run_not_active: 'The run has already finished',
  idempotency_key_mismatch: 'Idempotency-Key reused for a different request',
  too_many_active_runs: 'Too many active runs',
  too_many_webhooks: 'Too many webhooks',
  too_many_held_polls: 'Too many long-polls waiting at once',
  rate_limited: 'Too many requests; slow down',
  unauthorized: 'Authentication required',
  host_not_allowed: 'This server does not answer for that host',
  headers_too_large: 'The request headers are too large',
  request_timeout: 'The request took too long to arrive',
  internal_error: 'Internal server error',
  store_unavailable: 'The database cannot be reached',
}

/** Builds an RFC 9457 problem details body (https://www.rfc-editor.org/rfc/rfc9457#section-3). */
export function problemOf(code: ProblemCode, detail: string, instance?: string, errors?: FieldError[]): Problem {
  return {
    // Non-resolvable but stable, as RFC 9457 §3.1.1 allows; clients switch on `code`.
    type: `urn:parley:problem:${code}`,
    title: TITLES[code],
    status: STATUS[code],
    detail,
    code,
    ...(instance === undefined ? {} : { instance }),
    ...(errors === undefined || errors.length === 0 ? {} : { errors }),
  }
}

/** `retryAfterSeconds`: when a retry can succeed, if the problem knows (a rate limit does); else the status's default. */
export function problemResponse(c: Context, problem: Problem, retryAfterSeconds?: number): Response {
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, problemHeaders(problem, retryAfterSeconds))
}

/** The headers of a problem response, whichever way it is written (`problemResponse`, src/http/detached-answer.ts). */
export function problemHeaders(problem: Problem, retryAfterSeconds?: number): Record<string, string> {
  const retryAfter =
    problem.status === 429 || problem.status === 503 ? (retryAfterSeconds ?? RETRY_AFTER_SECONDS[problem.status]) : undefined
  return {
    'content-type': 'application/problem+json',
    // A 401 names the scheme to authenticate with (RFC 9110 §11.6.1; Bearer: RFC 6750 §3).
    ...(problem.status === 401 ? { 'www-authenticate': 'Bearer realm="parley"' } : {}),
    // A 429 or 503 says when to try again (RFC 9110 §10.2.3).
    ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
    // The rest of a body too large is not read: the connection ends after this answer, which the
    // client reads whole instead of a reset (RFC 9110 §15.5.14, RFC 9112 §9.6).
    ...(problem.status === 413 ? { connection: 'close' } : {}),
  }
}

/**
 * What a 429 or 503 asks the client to wait before retrying, unless the problem knows better
 * (RetryLaterError: a rate limit's next token, the end of a held poll): the store reconnects
 * within 2 s; an active run of a person's may take a while to finish.
 */
export const RETRY_AFTER_SECONDS = { 429: 5, 503: 2 } as const

/** The app's one error path: every thrown error becomes a problem+json response. */
export function handleError(error: Error, c: Context): Response {
  const instance = new URL(c.req.url).pathname
  const { problem, retryAfterSeconds } = problemOfError(error, c.req.method, instance, () => clientWentAway(error, c))
  return problemResponse(c, problem, retryAfterSeconds)
}

/**
 * The problem an error thrown while answering `method` `instance` is: a ParleyError's own, else by
 * its kind. An unknown one is logged, unless the client had gone (`clientLeft`): nobody is left to
 * read an answer, and it is no fault of the server's.
 */
export function problemOfError(
  error: Error,
  method: string,
  instance: string,
  clientLeft: () => boolean,
): { problem: Problem; retryAfterSeconds?: number } {
  if (error instanceof ParleyError) {
    const retryAfterSeconds = error instanceof RetryLaterError ? error.retryAfterSeconds : undefined
    return { problem: problemOf(error.code, error.message, instance, error.errors), retryAfterSeconds }
  }
  if (error instanceof StoreUnavailableError) {
    return { problem: problemOf('store_unavailable', 'The database cannot be reached right now; retry in a moment', instance) }
  }
  if (error instanceof HTTPException) {
    const code: ProblemCode =
      error.status === 413
        ? 'payload_too_large'
        : error.status === 401
          ? 'unauthorized'
          : error.status < 500
            ? 'validation_failed'
            : 'internal_error'
    return { problem: { ...problemOf(code, error.message || TITLES[code], instance), status: error.status } }
  }
  if (clientLeft()) return { problem: problemOf('bad_request', 'The client closed the request before sending it all', instance) }
  console.error('parley: unhandled error on', method, instance, error)
  return { problem: problemOf('internal_error', 'The server failed to handle this request', instance) }
}

/**
 * The client closed its connection while the request was being read (Node fails the body stream
 * with ECONNRESET "aborted"), or before the answer was ready (the request's signal).
 */
function clientWentAway(error: Error & { code?: unknown }, c: Context): boolean {
  if (error.code === 'ECONNRESET' && error.message === 'aborted') return true
  return c.req.raw.signal.aborted
}
