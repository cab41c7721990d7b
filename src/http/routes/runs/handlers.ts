import type { RouteHandler } from '@hono/zod-openapi'
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
  const { runs, next_cursor } = await c.var.runs.listRuns(c.var.userId, c.req.valid('query'))
  return c.json({ runs: runs.map(presentRun), next_cursor }, 200)
}

export const getRun: RouteHandler<typeof getRunRoute, AppEnv> = async (c) => {
  const run = await c.var.runs.getOwnedRun(c.var.userId, c.req.valid('param').run_id)
  return c.json(presentRun(run), 200)
}

export const cancelRun: RouteHandler<typeof cancelRunRoute, AppEnv> = async (c) => {
  const run = await c.var.runs.cancel(c.var.userId, c.req.valid('param').run_id)
  return c.json(presentRun(run), 200)
}
