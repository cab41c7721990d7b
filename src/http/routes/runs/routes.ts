import { createRoute } from '@hono/zod-openapi'
import { EXAMPLE_CANCELLED_RUN, EXAMPLE_CURSOR, EXAMPLE_NEW_RUN, EXAMPLE_WAITING_RUN } from '../../../schemas/examples.ts'
import type { Run } from '../../../schemas/runs.ts'
import {
  CreateRunBodySchema,
  IdempotencyHeaderSchema,
  ListRunsQuerySchema,
  RunIdParamSchema,
  RunListSchema,
  RunSchema,
} from '../../../schemas/runs.ts'
import { requireJsonBody } from '../../middleware/json-body.ts'
import { problemResponses, RUN_LOCATION } from '../../responses.ts'

const runJson = (example: Run) => ({ 'application/json': { schema: RunSchema, example } })

/**
 * `POST /v1/runs`. Its example body starts a run of `example` (one of the served workflows, with
 * params it accepts), so Swagger UI's "Try it out" works on any server, not only the examples'.
 */
export function createRunRoute(example: { workflow: string; params: Record<string, unknown> } | undefined) {
  return createRoute({
    method: 'post',
    path: '/v1/runs',
    operationId: 'createRun',
    tags: ['runs'],
    summary: 'Start a run of a workflow',
    description:
      'Validates `params` against the workflow’s params schema and starts the run. With an `Idempotency-Key`, ' +
      'repeating the same request returns the run the first one created (200) instead of starting another; the same ' +
      'request means the same workflow and params, whatever the order of their keys. Params nested deeper than 64 ' +
      'levels, or larger than a message may be (256 KiB of JSON by default), are 422 naming the field. ' +
      'Each user may start only so many runs a minute (60 by default, in bursts of as many): past that, 429 `rate_limited` ' +
      'with `Retry-After` when the next one may start (an Idempotency-Key replay is still answered).',
    middleware: [requireJsonBody] as const,
    request: {
      headers: IdempotencyHeaderSchema,
      body: {
        required: true,
        content: { 'application/json': { schema: CreateRunBodySchema, ...(example === undefined ? {} : { example }) } },
      },
    },
    responses: {
      201: { description: 'The run was created and started', headers: RUN_LOCATION, content: runJson(EXAMPLE_NEW_RUN) },
      200: {
        description: 'The run an earlier request with this Idempotency-Key created',
        headers: RUN_LOCATION,
        content: runJson(EXAMPLE_NEW_RUN),
      },
      ...problemResponses(400, 401, 404, 413, 415, 422, 429, 503),
    },
  })
}

export const listRunsRoute = createRoute({
  method: 'get',
  path: '/v1/runs',
  operationId: 'listRuns',
  tags: ['runs'],
  summary: 'List your runs, newest first',
  description: 'Filter by `status` and `workflow`; follow `next_cursor` for the next page.',
  request: { query: ListRunsQuerySchema },
  responses: {
    200: {
      description: 'A page of runs',
      content: { 'application/json': { schema: RunListSchema, example: { runs: [EXAMPLE_WAITING_RUN], next_cursor: EXAMPLE_CURSOR } } },
    },
    ...problemResponses(401, 422, 503),
  },
})

export const getRunRoute = createRoute({
  method: 'get',
  path: '/v1/runs/{run_id}',
  operationId: 'getRun',
  tags: ['runs'],
  summary: 'Get a run',
  description: 'Status, params, result or error, the pending question and the seq of the newest message.',
  request: { params: RunIdParamSchema },
  responses: {
    200: { description: 'The run', content: runJson(EXAMPLE_WAITING_RUN) },
    ...problemResponses(401, 404, 503),
  },
})

export const cancelRunRoute = createRoute({
  method: 'post',
  path: '/v1/runs/{run_id}/cancel',
  operationId: 'cancelRun',
  tags: ['runs'],
  summary: 'Cancel a run',
  description:
    'Cooperative: the workflow’s `ctx.signal` fires and its next `ui` call stops it. A pending question becomes ' +
    '`cancelled`, the run `cancelled`. Cancelling a finished run is 409.',
  request: { params: RunIdParamSchema },
  responses: {
    200: { description: 'The cancelled run', content: runJson(EXAMPLE_CANCELLED_RUN) },
    // 413: the app-wide body limit answers before the handler, even here where no body is read.
    ...problemResponses(401, 404, 409, 413, 503),
  },
})
