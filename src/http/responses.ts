import { ProblemSchema } from '../schemas/problem.ts'

const DESCRIPTIONS: Record<number, string> = {
  400: 'The body is not valid JSON',
  401: 'Missing or unknown API key',
  404: 'Not found (or not yours)',
  409: 'Conflicts with the current state',
  413: 'The body is too large',
  415: 'The body is not application/json',
  422: 'Validation failed; `errors` names each field',
  429: 'Too many active runs for this user',
  503: 'The database cannot be reached (several processes on PostgreSQL); retry after `Retry-After` seconds',
}

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const, minimum: 0 } },
}

interface ProblemResponse {
  description: string
  headers?: typeof RETRY_AFTER
  content: { 'application/problem+json': { schema: typeof ProblemSchema } }
}

/**
 * The problem+json responses a route can return, for its `responses`, each with a description.
 * Every route that reads or writes the store lists `503` too: the database may be out of reach.
 */
export function problemResponses<S extends keyof typeof DESCRIPTIONS & number>(...statuses: S[]) {
  const responses = {} as Record<S, ProblemResponse>
  for (const status of statuses) {
    responses[status] = {
      description: DESCRIPTIONS[status] ?? 'Error',
      ...(status === 503 ? { headers: RETRY_AFTER } : {}),
      content: { 'application/problem+json': { schema: ProblemSchema } },
    }
  }
  return responses
}
