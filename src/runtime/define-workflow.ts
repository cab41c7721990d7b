import { z } from 'zod'
import type { WorkflowLlm } from './workflow-llm.ts'
import { checkWorkflowName } from './workflow-name.ts'
import type { WorkflowUI } from './workflow-ui.ts'

/** What a workflow's `run` receives besides `ui` and its params. */
export interface WorkflowContext {
  /** The run being executed. */
  readonly runId: string
  /** Who started the run (the authenticated user, or `anonymous` when auth is off). */
  readonly userId: string
  /** Fires when the run is cancelled; pass it to anything that can be aborted. */
  readonly signal: AbortSignal
  /** The LLM client: the configured endpoint's model (the offline one without), bound to this run. Completions are journaled. */
  readonly llm: WorkflowLlm
  /**
   * Does `fn` once per run — a payment, an e-mail, an HTTP call: its result (JSON) or what it threw
   * is journaled, and a resumed run gets that back without calling `fn` again. One cut off by a
   * crash or a stop runs again on resume (at least once), so make it idempotent where you can.
   *
   * @example
   * const receipt = await ctx.step('charge card', () => payments.charge(order.id, order.total))
   */
  step<T>(name: string, fn: (signal: AbortSignal) => T | Promise<T>): Promise<T>
  /** Waits `ms` milliseconds on a durable timer: a run resumed after a restart waits only for what is left. */
  sleep(ms: number): Promise<void>
  /** `Date.now()`, recorded: a resumed run sees the same time again. Use it instead of `Date.now()` / `new Date()`. */
  now(): Promise<number>
  /** `Math.random()`, recorded: a resumed run sees the same number again. */
  random(): Promise<number>
}

export interface Workflow<P extends z.ZodType = z.ZodType> {
  readonly name: string
  readonly description: string
  readonly params: P
  /**
   * Whether a run interrupted by a restart resumes (by replaying its journal). When false, runs keep
   * no journal (one write less per message) and an interrupted one is marked failed.
   */
  readonly resume: boolean
  /** LLM tokens a run of this workflow may use, when lower than the server's budget (PARLEY_MAX_TOKENS_PER_RUN). */
  readonly max_tokens_per_run?: number | undefined
  run(ui: WorkflowUI, params: z.output<P>, ctx: WorkflowContext): Promise<string>
}

/**
 * Declares a workflow: a name (snake_case, it appears in URLs and operation ids), a
 * description, a zod schema for its params and the async function that runs it.
 *
 * Runs are durable: a run interrupted by a restart resumes by running `run` again from the top,
 * every effect already in its journal (messages, questions and answers, LLM calls, tools,
 * `ctx.step`, `ctx.sleep`, `ctx.now`, `ctx.random`) returning its recorded result. So `run` must
 * do the same thing given the same results: anything else that varies goes through `ctx`.
 * `resume: false` opts out: no journal is kept, and an interrupted run is marked failed instead.
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
  /** Resume interrupted runs by replaying their journal (default true). */
  resume?: boolean
  /** A token budget per run lower than the server's: past it, the run fails (default: the server's). */
  max_tokens_per_run?: number
  run(ui: WorkflowUI, params: z.output<P>, ctx: WorkflowContext): Promise<string>
}): Workflow<P> {
  checkWorkflowName(definition.name)
  const params = closedParams(definition.params ?? z.object({})) as P
  return Object.freeze({ ...definition, params, resume: definition.resume ?? true })
}

/**
 * A plain `z.object` (zod's default strips unknown keys) becomes strict, so a misspelt param is a
 * 422 naming it rather than silently replaced by its default. A schema that says otherwise
 * (`z.looseObject`, `.catchall(…)`, or not an object) is kept as it is.
 */
function closedParams(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodObject) || schema._zod.def.catchall !== undefined) return schema
  // A derived schema is a new instance: its description and examples come along explicitly.
  const meta = z.globalRegistry.get(schema)
  return meta ? schema.strict().meta(meta) : schema.strict()
}
