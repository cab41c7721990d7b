import { z } from 'zod'
import type { WorkflowInfo } from '../schemas/workflows.ts'
import type { Workflow } from './define-workflow.ts'
import { checkWorkflowName, createRunOperationId, createRunRequestComponent, workflowTypeName } from './workflow-name.ts'

export interface WorkflowRegistry {
  get(name: string): Workflow | undefined
  list(): Workflow[]
  describe(workflow: Workflow): WorkflowInfo
}

/** Accepts workflows as an array or as a module namespace (every export that is a workflow). */
export function createRegistry(workflows: Iterable<Workflow> | Record<string, unknown>): WorkflowRegistry {
  const byName = new Map<string, Workflow>()
  const candidates = Symbol.iterator in workflows ? [...(workflows as Iterable<Workflow>)] : Object.values(workflows)
  const byTypeName = new Map<string, string>()
  for (const candidate of candidates) {
    if (!isWorkflow(candidate)) continue
    checkWorkflowName(candidate.name)
    if (byName.has(candidate.name)) throw new TypeError(`two workflows are named "${candidate.name}"`)
    const typeName = workflowTypeName(candidate.name)
    const other = byTypeName.get(typeName)
    if (other !== undefined) {
      throw new TypeError(
        `workflows "${other}" and "${candidate.name}" would share the operation ${createRunOperationId(candidate.name)} ` +
          `and the type ${createRunRequestComponent(candidate.name)} in the contract: rename one`,
      )
    }
    byName.set(candidate.name, candidate)
    byTypeName.set(typeName, candidate.name)
  }
  const described = new Map<Workflow, WorkflowInfo>()
  return {
    get: (name) => byName.get(name),
    list: () => [...byName.values()],
    describe(workflow) {
      let info = described.get(workflow)
      if (!info) {
        info = {
          name: workflow.name,
          description: workflow.description,
          params_schema: paramsJsonSchema(workflow),
          runs_path: `/v1/workflows/${workflow.name}/runs`,
        }
        described.set(workflow, info)
      }
      return info
    },
  }
}

export function isWorkflow(value: unknown): value is Workflow {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Workflow>
  return typeof candidate.name === 'string' && typeof candidate.run === 'function' && candidate.params instanceof z.ZodType
}

/** The JSON Schema of what a client sends (input side: defaulted fields are optional). */
function paramsJsonSchema(workflow: Workflow): Record<string, unknown> {
  const { $schema: _, ...schema } = z.toJSONSchema(workflow.params, { io: 'input', unrepresentable: 'any' })
  return schema
}
