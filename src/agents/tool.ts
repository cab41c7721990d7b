import { z } from 'zod'
import type { ToolCall, ToolSpec } from '../llm/chat-model.ts'

/** What a tool's `execute` receives besides its arguments. */
export interface ToolContext {
  readonly runId: string
  readonly userId: string
  /** Fires when the run is cancelled: pass it to anything abortable. */
  readonly signal: AbortSignal
}

/** A function an agent's model may call: declared with zod, sent to the model as a function tool. */
export interface Tool<P extends z.ZodObject = z.ZodObject> {
  readonly name: string
  readonly description: string
  readonly params: P
  /** Returns the result the model gets back (a string, or anything JSON-serialisable). A throw is fed back too. */
  execute(args: z.output<P>, context: ToolContext): unknown
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * Declares a tool. Its params schema is what the model fills in and what the arguments are
 * validated against before `execute` runs.
 *
 * @example
 * const add = defineTool({
 *   name: 'add',
 *   description: 'Adds two numbers',
 *   params: z.object({ a: z.number(), b: z.number() }),
 *   execute: async ({ a, b }) => a + b,
 * })
 */
export function defineTool<P extends z.ZodObject>(definition: Tool<P>): Tool<P> {
  if (!TOOL_NAME.test(definition.name)) throw new TypeError(`tool name "${definition.name}" must match ${TOOL_NAME} (OpenAI's rule)`)
  return Object.freeze({ ...definition })
}

/** How the model sees a tool: name, description and the JSON Schema of its params. */
export function toolSpec(tool: Tool): ToolSpec {
  const { $schema: _, ...parameters } = z.toJSONSchema(tool.params, { io: 'input', unrepresentable: 'any' })
  return { name: tool.name, description: tool.description, parameters }
}

/** The arguments the model wrote, as an object for the `suggested_function_call` message. */
export function argumentsObject(call: ToolCall): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(call.arguments || '{}')
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // not JSON: shown as written, and executeToolCall reports the error to the model
  }
  return { _unparsed: call.arguments }
}

/** What a tool call produced: `retval` for the log, `content` for the model. */
export interface ToolOutcome {
  retval: unknown
  content: string
}

/**
 * Validates the arguments and runs the tool. Nothing a tool does fails the run: an unknown
 * tool, bad arguments or a throw become an `Error: …` result that the model reads and can act on.
 */
export async function executeToolCall(tools: readonly Tool[], call: ToolCall, context: ToolContext): Promise<ToolOutcome> {
  const failed = (text: string): ToolOutcome => ({ retval: `Error: ${text}`, content: `Error: ${text}` })
  const tool = tools.find((candidate) => candidate.name === call.name)
  if (!tool) return failed(`there is no tool named "${call.name}"; available: ${tools.map((t) => t.name).join(', ') || 'none'}`)
  let raw: unknown
  try {
    raw = JSON.parse(call.arguments || '{}')
  } catch {
    return failed(`the arguments are not valid JSON: ${call.arguments}`)
  }
  const parsed = tool.params.safeParse(raw)
  if (!parsed.success) return failed(`invalid arguments for ${tool.name}: ${z.prettifyError(parsed.error)}`)
  try {
    const retval = await tool.execute(parsed.data, context)
    return { retval: retval ?? null, content: typeof retval === 'string' ? retval : (JSON.stringify(retval) ?? '') }
  } catch (error) {
    if (context.signal.aborted) throw error
    return failed(error instanceof Error ? error.message : String(error))
  }
}
