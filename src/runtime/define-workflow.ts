import { z } from 'zod'
import type { WorkflowLlm } from '../agents/workflow-llm.ts'
import type { WorkflowUI } from './workflow-ui.ts'

/** What a workflow's `run` receives besides `ui` and its params. */
export interface WorkflowContext {
  /** The run being executed. */
  readonly runId: string
  /** Who started the run (the authenticated user, or `anonymous` when auth is off). */
  readonly userId: string
  /** Fires when the run is cancelled; pass it to anything that can be aborted. */
  readonly signal: AbortSignal
  /** The LLM client: the configured endpoint's model (the offline one without), bound to this run. */
  readonly llm: WorkflowLlm
}

export interface Workflow<P extends z.ZodType = z.ZodType> {
  readonly name: string
  readonly description: string
  readonly params: P
  run(ui: WorkflowUI, params: z.output<P>, ctx: WorkflowContext): Promise<string>
}

const NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/

/**
 * Declares a workflow: a name (snake_case, it appears in URLs and operation ids), a
 * description, a zod schema for its params and the async function that runs it.
 *
 * @example
 * export const greet = defineWorkflow({
 *   name: 'greet',
 *   description: 'Asks for a name and says hello',
 *   params: z.object({ greeting: z.string().default('Hello') }),
 *   async run(ui, params) {
 *     const name = await ui.textInput({ prompt: 'Your name?' })
 *     await ui.textMessage({ body: `${params.greeting}, ${name}` })
 *     return `greeted ${name}`
 *   },
 * })
 */
export function defineWorkflow<P extends z.ZodType = z.ZodObject<{}>>(definition: {
  name: string
  description: string
  params?: P
  run(ui: WorkflowUI, params: z.output<P>, ctx: WorkflowContext): Promise<string>
}): Workflow<P> {
  if (!NAME_PATTERN.test(definition.name)) {
    throw new TypeError(`workflow name "${definition.name}" must match ${NAME_PATTERN} (it is used in URLs)`)
  }
  const params = (definition.params ?? z.object({})) as P
  return Object.freeze({ ...definition, params })
}
