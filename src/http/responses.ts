import type { OpenAPIHono } from '@hono/zod-openapi'
import { EXAMPLE_PROBLEMS, EXAMPLE_RUN_ID } from '../schemas/examples.ts'
import { ProblemSchema } from '../schemas/problem.ts'
import { RETRY_AFTER_SECONDS } from './problem.ts'

export interface HeaderObject {
  [extension: `x-${string}`]: unknown
  description: string
  required: true
  schema: { type: 'string' } | { type: 'integer'; minimum: number }
  example: string | number
}

function retryAfter(status: 429 | 503): Record<string, HeaderObject> {
  const seconds = RETRY_AFTER_SECONDS[status]
  return {
    'Retry-After': {
      description: 'Seconds to wait before trying again: when a retry can succeed',
      required: true,
      schema: { type: 'integer', minimum: 0 },
      example: seconds,
    },
  }
}

/**
 * The problem+json responses any operation may answer, each a reusable component
 * (`#/components/responses/…`) with the headers the server sends with it and an example.
 */
const PROBLEMS = {
  400: {
    name: 'BadRequest',
    description: 'The request cannot be read: a body that is not JSON (`malformed_json`), or a request HTTP cannot parse (`bad_request`)',
  },
  401: {
    name: 'Unauthorized',
    description: 'Missing or unknown API key (only when the server has keys configured)',
    headers: {
      'WWW-Authenticate': {
        description: 'The scheme to authenticate with (RFC 9110 §11.6.1)',
        required: true,
        schema: { type: 'string' },
        example: 'Bearer realm="parley"',
      },
    } satisfies Record<string, HeaderObject>,
  },
  404: { name: 'NotFound', description: 'Not found (or not yours: another user’s run is answered the same way)' },
  405: {
    name: 'MethodNotAllowed',
    description: 'This path does not take the method used; `Allow` lists the ones it takes',
    headers: {
      Allow: { description: 'The methods this path takes', required: true, schema: { type: 'string' }, example: 'POST, GET, HEAD' },
    } satisfies Record<string, HeaderObject>,
  },
  408: { name: 'RequestTimeout', description: 'The request did not arrive in time; the connection is closed' },
  409: { name: 'Conflict', description: 'Conflicts with the current state (`code` says which way)' },
  413: {
    name: 'PayloadTooLarge',
    description:
      'The body is larger than the server accepts; the rest of it is not read and the connection is closed (`Connection: close`)',
  },
  415: { name: 'UnsupportedMediaType', description: 'The body is not `application/json`' },
  421: {
    name: 'MisdirectedRequest',
    description:
      'The server has no API keys (open mode) and the request names a host it does not answer for: only loopback ' +
      '(`localhost`, `127.0.0.1`, `[::1]`) and the hosts its operator lists (`PARLEY_ALLOWED_HOSTS`). Guards an open ' +
      'server against DNS rebinding from a web page; never sent when keys are configured',
  },
  422: { name: 'ValidationFailed', description: 'Validation failed; `errors` names each field' },
  429: {
    name: 'TooManyRequests',
    description:
      'A per-user limit was reached; `code` says which: `too_many_active_runs` (finish or cancel a run), `rate_limited` ' +
      '(runs started too fast), `too_many_held_polls` (too many long-polls waiting, or event streams open, at once). Retry after `Retry-After` seconds',
    headers: retryAfter(429),
  },
  431: { name: 'RequestHeadersTooLarge', description: 'The request headers are larger than the server accepts; the connection is closed' },
  500: { name: 'InternalError', description: 'The server failed; the problem says no more (the server log has the details)' },
  503: {
    name: 'StoreUnavailable',
    description: 'The database cannot be reached (several processes on PostgreSQL); retry after `Retry-After` seconds',
    headers: retryAfter(503),
  },
} as const satisfies Record<number, { name: string; description: string; headers?: Record<string, HeaderObject> }>

export type ProblemStatus = keyof typeof PROBLEMS

/**
 * Every operation can answer these: a request HTTP cannot parse, a wrong method on its path, a
 * request too slow or with headers too large, a host an open server does not answer for, and a
 * failure of the server itself.
 */
const ALWAYS: ProblemStatus[] = [400, 405, 408, 421, 431, 500]

/** Adds the problem responses (and the Problem schema they use) to the app's document. */
export function registerProblemResponses(app: Pick<OpenAPIHono, 'openAPIRegistry'>): void {
  app.openAPIRegistry.register('Problem', ProblemSchema)
  for (const [status, problem] of Object.entries(PROBLEMS)) {
    app.openAPIRegistry.registerComponent('responses', problem.name, {
      description: problem.description,
      ...('headers' in problem ? { headers: problem.headers } : {}),
      content: {
        'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, example: EXAMPLE_PROBLEMS[Number(status)] },
      },
    })
  }
}

/**
 * The problem+json responses an operation can answer, for its `responses`: the statuses given
 * plus those every operation can (ALWAYS). Every operation that reads or writes the store
 * lists `503` too: the database may be out of reach.
 */
export function problemResponses(...statuses: ProblemStatus[]): Record<string, { $ref: string }> {
  const responses: Record<string, { $ref: string }> = {}
  for (const status of new Set([...statuses, ...ALWAYS].sort())) {
    responses[status] = { $ref: `#/components/responses/${PROBLEMS[status].name}` }
  }
  return responses
}

/** `Location` of a response that created (or found) a run: where to read it. */
export const RUN_LOCATION: Record<string, HeaderObject> = {
  Location: { description: 'The run’s URL', required: true, schema: { type: 'string' }, example: `/v1/runs/${EXAMPLE_RUN_ID}` },
}
