import type { RouteHandler } from '@hono/zod-openapi'
import type { Workflow } from '../../../runtime/define-workflow.ts'
import type { AppEnv } from '../../app-env.ts'
import { presentRun } from '../runs/present.ts'
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
    const { run, created } = await c.var.runs.start({
      userId: c.var.userId,
      workflow: workflow.name,
      params: raw.params,
      idempotencyKey: c.req.valid('header')['idempotency-key'],
    })
    c.header('Location', `/v1/runs/${run.id}`)
    return created ? c.json(presentRun(run), 201) : c.json(presentRun(run), 200)
  }
}
