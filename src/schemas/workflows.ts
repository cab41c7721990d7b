import { z } from '@hono/zod-openapi'

export const WorkflowSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    params_schema: z.record(z.string(), z.unknown()).describe('JSON Schema (2020-12) of the params `createRun` accepts for this workflow'),
    runs_path: z.string().describe('The typed per-workflow endpoint that starts a run'),
  })
  .openapi('Workflow')

export const WorkflowListSchema = z.object({ workflows: z.array(WorkflowSchema) }).openapi('WorkflowList')

export const WorkflowNameParamSchema = z.object({
  workflow_name: z
    .string()
    .min(1)
    .openapi({ param: { name: 'workflow_name', in: 'path', description: 'The workflow’s `name`', example: 'greet' } }),
})

export type WorkflowInfo = z.infer<typeof WorkflowSchema>
