import type { RouteHandler } from '@hono/zod-openapi'
import type { AppEnv } from '../../app-env.ts'
import type { listMessagesRoute } from './routes.ts'

export const listMessages: RouteHandler<typeof listMessagesRoute, AppEnv> = async (c) => {
  const { run_id: runId } = c.req.valid('param')
  const query = c.req.valid('query')
  const page = await c.var.runs.pollMessages(c.var.userId, runId, {
    after: query.after,
    limit: query.limit,
    waitMs: query.wait * 1000,
    // Read only if the poll waits: on @hono/node-server the signal comes with a full fetch Request
    // built on demand, which a poll answered at once does not need.
    get signal() {
      return c.req.raw.signal
    },
  })
  const last = page.messages.at(-1)
  return c.json(
    {
      messages: page.messages,
      next_after: last ? last.seq : Math.min(query.after, page.last_seq),
      run_status: page.status,
      last_seq: page.last_seq,
    },
    200,
  )
}
