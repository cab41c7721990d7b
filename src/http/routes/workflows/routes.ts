import { createRoute, z } from '@hono/zod-openapi'
import type { Workflow } from '../../../runtime/define-workflow.ts'
import { IdempotencyHeaderSchema, RunSchema } from '../../../schemas/runs.ts'
import { WorkflowListSchema, WorkflowNameParamSchema, WorkflowSchema } from '../../../schemas/workflows.ts'
import { requireJsonBody } from '../../middleware/json-body.ts'
import { problemResponses } from '../../responses.ts'

export const listWorkflowsRoute = createRoute({
  method: 'get',
  path: '/v1/workflows',
  operationId: 'listWorkflows',
  tags: ['workflows'],
  summary: 'List the workflows this server runs',
  description: 'Each with its description and the JSON Schema of its params.',
  responses: {
    200: { description: 'All registered workflows', content: { 'application/json': { schema: WorkflowListSchema } } },
    ...problemResponses(401),
  },
})

export const getWorkflowRoute = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflow_name}',
  operationId: 'getWorkflow',
  tags: ['workflows'],
  summary: 'Get one workflow',
  request: { params: WorkflowNameParamSchema },
  responses: {
    200: { description: 'The workflow', content: { 'application/json': { schema: WorkflowSchema } } },
    ...problemResponses(401, 404),
  },
})

/** `simple_learning` → `SimpleLearning`: how a workflow's name appears in operation ids and components. */
export function pascalCase(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('')
}

/**
 * `POST /v1/workflows/{name}/runs` for one workflow, with that workflow's own params schema in
 * the contract, so a generated client is typed end to end.
 */
export function createWorkflowRunRoute(workflow: Workflow) {
  const pascal = pascalCase(workflow.name)
  const params = z.object({ params: workflow.params.default({}) }).openapi(`${pascal}RunRequest`)
  return createRoute({
    method: 'post',
    path: `/v1/workflows/${workflow.name}/runs`,
    operationId: `create${pascal}Run`,
    tags: ['workflows'],
    summary: `Start a run of ${workflow.name}`,
    description: `${workflow.description}\n\nThe same as \`createRun\` with \`workflow: "${workflow.name}"\`, typed with this workflow's params.`,
    middleware: [requireJsonBody] as const,
    request: {
      headers: IdempotencyHeaderSchema,
      body: { required: true, content: { 'application/json': { schema: params } } },
    },
    responses: {
      201: { description: 'The run was created and started', content: { 'application/json': { schema: RunSchema } } },
      200: {
        description: 'The run an earlier request with this Idempotency-Key created',
        content: { 'application/json': { schema: RunSchema } },
      },
      ...problemResponses(400, 401, 413, 415, 422, 429, 503),
    },
  })
}
