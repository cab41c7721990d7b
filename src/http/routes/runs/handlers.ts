import type { RouteHandler } from '@hono/zod-openapi'
import { ParleyError } from '../../../runtime/errors.ts'
import { decodeCursor, encodeCursor } from '../../../store/records.ts'
import type { AppEnv } from '../../app-env.ts'
import { presentRun } from './present.ts'
import type { cancelRunRoute, createRunRoute, getRunRoute, listRunsRoute } from './routes.ts'
import { startRequestedRun } from './start-run.ts'

export const createRun: RouteHandler<ReturnType<typeof createRunRoute>, AppEnv> = async (c) => {
  const { workflow, params } = c.req.valid('json')
  const { run, created } = await startRequestedRun(c, { workflow, params, idempotencyKey: c.req.valid('header')['idempotency-key'] })
  return created ? c.json(run, 201) : c.json(run, 200)
}

export const listRuns: RouteHandler<typeof listRunsRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query')
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
  if (cursor === null) {
    throw new ParleyError('validation_failed', 'The cursor was not issued by this server', [
      { field: 'query.cursor', message: 'use next_cursor from a previous page' },
    ])
  }
  // One extra row tells whether another page exists without a second query.
  const rows = await c.var.runs.store.listRuns({
    user_id: c.var.userId,
    status: query.status,
    workflow: query.workflow,
    limit: query.limit + 1,
    cursor,
  })
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  const nextCursor = rows.length > query.limit && last ? encodeCursor(last) : null
  return c.json({ runs: page.map(presentRun), next_cursor: nextCursor }, 200)
}

export const getRun: RouteHandler<typeof getRunRoute, AppEnv> = async (c) => {
  const run = await c.var.runs.getOwnedRun(c.var.userId, c.req.valid('param').run_id)
  return c.json(presentRun(run), 200)
}

export const cancelRun: RouteHandler<typeof cancelRunRoute, AppEnv> = async (c) => {
  const run = await c.var.runs.cancel(c.var.userId, c.req.valid('param').run_id)
  return c.json(presentRun(run), 200)
}
