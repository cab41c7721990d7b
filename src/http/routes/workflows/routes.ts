import { createRoute, z } from '@hono/zod-openapi'
import type { Workflow } from '../../../runtime/define-workflow.ts'
import { createRunOperationId, createRunRequestComponent } from '../../../runtime/workflow-name.ts'
import { EXAMPLE_GREET_WORKFLOW, EXAMPLE_NEW_RUN } from '../../../schemas/examples.ts'
import { IdempotencyHeaderSchema, RunSchema } from '../../../schemas/runs.ts'
import { WorkflowListSchema, WorkflowNameParamSchema, WorkflowSchema } from '../../../schemas/workflows.ts'
import { requireJsonBody } from '../../middleware/json-body.ts'
import { problemResponses, RUN_LOCATION } from '../../responses.ts'

export const listWorkflowsRoute = createRoute({
  method: 'get',
  path: '/v1/workflows',
  operationId: 'listWorkflows',
  tags: ['workflows'],
  summary: 'List the workflows this server runs',
  description: 'Each with its description, the JSON Schema of its params and the path of its typed create operation.',
  responses: {
    200: {
      description: 'All registered workflows',
      content: { 'application/json': { schema: WorkflowListSchema, example: { workflows: [EXAMPLE_GREET_WORKFLOW] } } },
    },
    ...problemResponses(401),
  },
})

export const getWorkflowRoute = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflow_name}',
  operationId: 'getWorkflow',
  tags: ['workflows'],
  summary: 'Get one workflow',
  description: 'Its description and the JSON Schema (2020-12) of the params a run of it takes.',
  request: { params: WorkflowNameParamSchema },
  responses: {
    200: { description: 'The workflow', content: { 'application/json': { schema: WorkflowSchema, example: EXAMPLE_GREET_WORKFLOW } } },
    ...problemResponses(401, 404),
  },
})

/**
 * `POST /v1/workflows/{name}/runs` for one workflow, with that workflow's own params schema in
 * the contract, so a generated client is typed end to end. Its operation and request type are
 * named after the workflow (src/runtime/workflow-name.ts).
 */
export function createWorkflowRunRoute(workflow: Workflow) {
  // `params` may be left out when every param has a default; then it is optional, not defaulted
  // to `{}`, which would be an invalid default for a workflow with a required param.
  const acceptsEmpty = workflow.params.safeParse({}).success
  const body = z
    .strictObject({ params: acceptsEmpty ? workflow.params.optional() : workflow.params })
    .openapi(createRunRequestComponent(workflow.name), { description: `Params of a run of ${workflow.name}` })
  const example = exampleParams(workflow)
  const run = { ...EXAMPLE_NEW_RUN, workflow: workflow.name, params: example === undefined ? {} : workflow.params.parse(example) }
  return createRoute({
    method: 'post',
    path: `/v1/workflows/${workflow.name}/runs`,
    operationId: createRunOperationId(workflow.name),
    tags: ['workflows'],
    summary: `Start a run of ${workflow.name}`,
    description: `${workflow.description}\n\nThe same as \`createRun\` with \`workflow: "${workflow.name}"\`, typed with this workflow's params.`,
    middleware: [requireJsonBody] as const,
    request: {
      headers: IdempotencyHeaderSchema,
      body: {
        required: true,
        content: { 'application/json': { schema: body, ...(example === undefined ? {} : { example: { params: example } }) } },
      },
    },
    responses: {
      201: {
        description: 'The run was created and started',
        headers: RUN_LOCATION,
        content: { 'application/json': { schema: RunSchema, example: run } },
      },
      200: {
        description: 'The run an earlier request with this Idempotency-Key created',
        headers: RUN_LOCATION,
        content: { 'application/json': { schema: RunSchema, example: run } },
      },
      ...problemResponses(400, 401, 413, 415, 422, 429, 503),
    },
  })
}

/** The body `createRun`'s example sends: `greet` when it is served, else the first workflow with example params. */
export function exampleRunRequest(workflows: Workflow[]): { workflow: string; params: Record<string, unknown> } | undefined {
  const ordered = [...workflows.filter((workflow) => workflow.name === 'greet'), ...workflows]
  for (const workflow of ordered) {
    const params = exampleParams(workflow)
    if (params !== undefined) return { workflow: workflow.name, params }
  }
  return undefined
}

/** The params a "Try it out" sends: the schema's first declared example, else every default. */
function exampleParams(workflow: Workflow): Record<string, unknown> | undefined {
  const declared = z.globalRegistry.get(workflow.params)?.examples
  if (Array.isArray(declared) && declared.length > 0) return declared[0] as Record<string, unknown>
  const defaults = workflow.params.safeParse({})
  return defaults.success ? (defaults.data as Record<string, unknown>) : undefined
}
