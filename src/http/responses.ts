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
}

/** The problem+json responses a route can return, for its `responses`, each with a description. */
export function problemResponses<S extends keyof typeof DESCRIPTIONS & number>(...statuses: S[]) {
  const responses = {} as Record<S, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>
  for (const status of statuses) {
    responses[status] = {
      description: DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    }
  }
  return responses
}
