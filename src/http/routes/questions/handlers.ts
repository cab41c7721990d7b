import type { RouteHandler } from '@hono/zod-openapi'
import type { AppEnv } from '../../app-env.ts'
import { clientGoneSignal } from '../../client-gone.ts'
import type { listQuestionsRoute } from './routes.ts'

export const listQuestions: RouteHandler<typeof listQuestionsRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query')
  const page = await c.var.runs.listQuestions(c.var.userId, {
    status: query.status,
    workflow: query.workflow,
    run_id: query.run_id,
    limit: query.limit,
    cursor: query.cursor,
    waitMs: query.wait * 1000,
    // Read only if the poll waits (see listMessages).
    get signal() {
      return clientGoneSignal(c)
    },
  })
  return c.json(page, 200)
}
