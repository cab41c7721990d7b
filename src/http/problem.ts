import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ParleyError } from '../runtime/errors.ts'
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
  question_not_pending: 409,
  question_expired: 409,
  answer_invalid: 422,
  run_not_active: 409,
  idempotency_key_mismatch: 422,
  too_many_active_runs: 429,
  unauthorized: 401,
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
  question_not_pending: 'The question is not waiting for an answer',
  question_expired: 'The question has expired',
  answer_invalid: 'The answer does not fit the question',
  run_not_active: 'The run has already finished',
  idempotency_key_mismatch: 'Idempotency-Key reused for a different request',
  too_many_active_runs: 'Too many active runs',
  unauthorized: 'Authentication required',
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

export function problemResponse(c: Context, problem: Problem): Response {
  const retryAfter = problem.status === 429 || problem.status === 503 ? RETRY_AFTER_SECONDS[problem.status] : undefined
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
    // A 401 names the scheme to authenticate with (RFC 9110 §11.6.1; Bearer: RFC 6750 §3).
    ...(problem.status === 401 ? { 'www-authenticate': 'Bearer realm="parley"' } : {}),
    // A 429 or 503 says when to try again (RFC 9110 §10.2.3).
    ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
  })
}

/**
 * What a 429 or 503 asks the client to wait before retrying: the store reconnects within 2 s; an
 * active run of a person's may take a while to finish.
 */
export const RETRY_AFTER_SECONDS = { 429: 5, 503: 2 } as const

/** The app's one error path: every thrown error becomes a problem+json response. */
export function handleError(error: Error, c: Context): Response {
  const instance = new URL(c.req.url).pathname
  if (error instanceof ParleyError) {
    return problemResponse(c, problemOf(error.code, error.message, instance, error.errors))
  }
  if (error instanceof StoreUnavailableError) {
    return problemResponse(c, problemOf('store_unavailable', 'The database cannot be reached right now; retry in a moment', instance))
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
    return problemResponse(c, { ...problemOf(code, error.message || TITLES[code], instance), status: error.status })
  }
  console.error('parley: unhandled error on', c.req.method, instance, error)
  return problemResponse(c, problemOf('internal_error', 'The server failed to handle this request', instance))
}
