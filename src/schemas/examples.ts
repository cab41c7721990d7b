/**
 * The contract's examples: one `greet` run (the shipped example workflow) told from start to
 * finish, as the server really answers it. Each is typed by its schema, so an example that no
 * longer fits fails the typecheck; `test/contract/meta.test.ts` validates them against the
 * document too.
 */
import type { Message } from './messages.ts'
import type { Problem } from './problem.ts'
import type { MessagePage, Run } from './runs.ts'
import type { WorkflowInfo } from './workflows.ts'

export const EXAMPLE_RUN_ID = '01a21e32-e83b-70f4-ad45-8305bc610c53'
export const EXAMPLE_QUESTION_ID = '8cf373ac-4b9a-4342-8375-69948e89cc07'
export const EXAMPLE_IDEMPOTENCY_KEY = 'order-4711-greeting'
/** A `next_cursor` as listRuns issues it. */
export const EXAMPLE_CURSOR = 'WyIyMDI2LTExLTI3VDA5OjMwOjAwLjAwMFoiLCIwMWEyMWUzMi1lODNiLTcwZjQtYWQ0NS04MzA1YmM2MTBjNTMiXQ'

const CREATED_AT = '2026-11-27T09:30:00.000Z'
const envelope = { run_id: EXAMPLE_RUN_ID, sender: 'Greeter', recipient: 'User', auto_reply: false }

export const EXAMPLE_GREET_WORKFLOW: WorkflowInfo = {
  name: 'greet',
  description: 'Asks for a name and a mood, then says hello',
  params_schema: {
    type: 'object',
    properties: { greeting: { default: 'Hello', description: 'How to greet', type: 'string' } },
    additionalProperties: false,
  },
  runs_path: '/v1/workflows/greet/runs',
}

export const EXAMPLE_QUESTION = {
  ...envelope,
  id: EXAMPLE_QUESTION_ID,
  seq: 2,
  created_at: '2026-11-27T09:30:00.012Z',
  type: 'text_input',
  content: { prompt: 'Your name?', suggestions: ['Ada', 'Grace'], password: false, default: null, expires_at: null, on_timeout: null },
} satisfies Message

export const EXAMPLE_REPLY = {
  ...envelope,
  id: '5d0e7a1c-3b9f-4c2e-9a61-0b7d2f4e8c13',
  seq: 3,
  created_at: '2026-11-27T09:30:07.250Z',
  type: 'reply',
  sender: 'User',
  recipient: 'Greeter',
  content: { question_id: EXAMPLE_QUESTION_ID, answer: 'Ada' },
} satisfies Message

/** Just created: `createRun` and the per-workflow operations answer this. */
export const EXAMPLE_NEW_RUN: Run = {
  id: EXAMPLE_RUN_ID,
  workflow: 'greet',
  status: 'queued',
  params: { greeting: 'Hello' },
  result: null,
  error: null,
  pending_question: null,
  last_seq: 0,
  usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  created_at: CREATED_AT,
  updated_at: CREATED_AT,
  finished_at: null,
}

/** Waiting for its first answer. */
export const EXAMPLE_WAITING_RUN: Run = {
  ...EXAMPLE_NEW_RUN,
  status: 'awaiting_input',
  pending_question: EXAMPLE_QUESTION,
  last_seq: 2,
  updated_at: EXAMPLE_QUESTION.created_at,
}

export const EXAMPLE_CANCELLED_RUN: Run = {
  ...EXAMPLE_NEW_RUN,
  status: 'cancelled',
  last_seq: 3,
  updated_at: '2026-11-27T09:31:02.480Z',
  finished_at: '2026-11-27T09:31:02.480Z',
}

/** The first page of the run's log: it started and asked its question. */
export const EXAMPLE_MESSAGE_PAGE: MessagePage = {
  messages: [
    {
      ...envelope,
      id: '9bff9707-11d8-4b1f-a75b-c992120089af',
      seq: 1,
      created_at: '2026-11-27T09:30:00.006Z',
      type: 'workflow_started',
      sender: null,
      recipient: null,
      content: { name: 'greet', description: EXAMPLE_GREET_WORKFLOW.description, params: { greeting: 'Hello' } },
    },
    EXAMPLE_QUESTION,
  ],
  next_after: 2,
  run_status: 'awaiting_input',
  last_seq: 2,
}

const instance = `/v1/runs/${EXAMPLE_RUN_ID}`

/** One problem per status, as the server words it. */
export const EXAMPLE_PROBLEMS: Record<number, Problem> = {
  400: problem(
    'malformed_json',
    'The request body is not valid JSON',
    400,
    'The body is not valid JSON: Unexpected end of JSON input',
    '/v1/runs',
  ),
  401: problem('unauthorized', 'Authentication required', 401, 'Send a valid API key as "Authorization: Bearer <key>"', '/v1/runs'),
  404: problem('run_not_found', 'No such run', 404, `No run with id "${EXAMPLE_RUN_ID}"`, instance),
  405: problem(
    'method_not_allowed',
    'Method not allowed on this endpoint',
    405,
    'PUT is not allowed here; use POST, GET, HEAD',
    '/v1/runs',
  ),
  408: problem('request_timeout', 'The request took too long to arrive', 408, 'The request was not received in time'),
  409: problem(
    'question_not_pending',
    'The question is not waiting for an answer',
    409,
    `Question "${EXAMPLE_QUESTION_ID}" is answered, not pending`,
    `${instance}/replies`,
  ),
  413: problem('payload_too_large', 'The request body is too large', 413, 'Request bodies are limited to 1048576 bytes', '/v1/runs'),
  415: problem(
    'unsupported_media_type',
    'The request body must be application/json',
    415,
    'Expected Content-Type: application/json, got "text/plain"',
    '/v1/runs',
  ),
  422: {
    ...problem('validation_failed', 'The request is not valid', 422, 'Invalid params for workflow "greet"', '/v1/runs'),
    errors: [{ field: 'body.params.greetin', message: 'Unknown field: not in the schema' }],
  },
  429: problem(
    'too_many_active_runs',
    'Too many active runs',
    429,
    'At most 1000 runs may be active at once (you have 1000); finish or cancel one first',
    '/v1/runs',
  ),
  421: problem(
    'host_not_allowed',
    'This server does not answer for that host',
    421,
    'This server has no API keys, so it answers only requests for localhost or a host listed in PARLEY_ALLOWED_HOSTS',
    '/v1/workflows',
  ),
  431: problem('headers_too_large', 'The request headers are too large', 431, 'The request headers are larger than the server accepts'),
  500: problem('internal_error', 'Internal server error', 500, 'The server failed to handle this request', '/v1/runs'),
  503: problem(
    'store_unavailable',
    'The database cannot be reached',
    503,
    'The database cannot be reached right now; retry in a moment',
    '/v1/runs',
  ),
}

/** Problems answered before routing (408, 431) have no `instance`: the request was never read whole. */
function problem(code: Problem['code'], title: string, status: number, detail: string, at?: string): Problem {
  return { type: `urn:parley:problem:${code}`, title, status, detail, code, ...(at === undefined ? {} : { instance: at }) }
}
