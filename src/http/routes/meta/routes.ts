import { createRoute, z } from '@hono/zod-openapi'

export const HealthSchema = z
  .object({
    status: z.literal('ok'),
    store: z.string().describe('The storage backend: memory, sqlite, …'),
    workflows: z.int().min(0),
    executing_runs: z.int().min(0).describe('Runs executing in this process now'),
    held_polls: z.int().min(0).describe('Long-polls this process is holding open now'),
  })
  .openapi('Health')

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['meta'],
  summary: 'Liveness and a few facts about this process',
  responses: { 200: { description: 'The server is up', content: { 'application/json': { schema: HealthSchema } } } },
})
