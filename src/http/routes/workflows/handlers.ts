import type { RouteHandler } from '@hono/zod-openapi'
import type { Workflow } from '../../../runtime/define-workflow.ts'
import type { AppEnv } from '../../app-env.ts'
import { startRequestedRun } from '../runs/start-run.ts'
import type { createWorkflowRunRoute, getWorkflowRoute, listWorkflowsRoute } from './routes.ts'

export const listWorkflows: RouteHandler<typeof listWorkflowsRoute, AppEnv> = (c) => {
  const { registry } = c.var
  return c.json({ workflows: registry.list().map((workflow) => registry.describe(workflow)) }, 200)
}

export const getWorkflow: RouteHandler<typeof getWorkflowRoute, AppEnv> = (c) => {
  const workflow = c.var.runs.workflowOrThrow(c.req.valid('param').workflow_name)
  return c.json(c.var.registry.describe(workflow), 200)
}

export function createWorkflowRunHandler(workflow: Workflow): RouteHandler<ReturnType<typeof createWorkflowRunRoute>, AppEnv> {
  return async (c) => {
    // The route validated the body; the run manager parses the raw params once more, exactly as createRun does.
    const raw: { params?: unknown } = await c.req.json()
    const idempotencyKey = c.req.valid('header')['idempotency-key']
    const { run, created } = await startRequestedRun(c, { workflow: workflow.name, params: raw.params, idempotencyKey })
    return created ? c.json(run, 201) : c.json(run, 200)
  }
}
