import { createRoute, z } from '@hono/zod-openapi'
import { problemResponses } from '../../responses.ts'

export const HealthSchema = z
  .object({
    status: z.literal('ok'),
    store: z.string().describe('The storage backend: memory, sqlite, …'),
    workflows: z.int().min(0),
    executing_runs: z
      .int()
      .min(0)
      .optional()
      .describe('Runs executing in this process now. Present only when auth is off: with keys, /healthz says nothing of the load'),
    held_polls: z
      .int()
      .min(0)
      .optional()
      .describe('Long-polls (and event streams) this process is holding open now. Present only when auth is off, as `executing_runs`'),
  })
  .openapi('Health')

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['meta'],
  summary: 'Liveness and a few facts about this process',
  description:
    'Public: answers without an API key, for load balancers and orchestrators. With auth on it says only `status`, `store` and `workflows`; the load figures are for a server without keys.',
  security: [],
  responses: {
    200: {
      description: 'The server is up',
      content: {
        'application/json': {
          schema: HealthSchema,
          example: { status: 'ok', store: 'sqlite', workflows: 12, executing_runs: 3, held_polls: 7 },
        },
      },
    },
    ...problemResponses(),
  },
})
