import type { ChatCompletion, ChatMessage, ToolSpec } from '../llm/chat-model.ts'
import type { LlmSettings, ResolvedLlm } from '../llm/llm-config.ts'
import { createChatModel, resolveLlm } from '../llm/llm-config.ts'
import { completeOnce } from './journaled-completion.ts'
import type { RunScope } from './run-scope.ts'

/**
 * The LLM client a workflow finds as `ctx.llm`, for a plain completion without agents: the
 * deployment's model (or the offline one), bound to the run — a cancel aborts the request, the
 * tokens count in `Run.usage`, and a resumed run gets journaled completions back without asking again.
 *
 * @example
 * const reply = await ctx.llm.complete([{ role: 'user', content: `Summarise: ${text}` }])
 * return reply.message.content ?? ''
 */
export interface WorkflowLlm {
  /** The model requests name, e.g. `gpt-4o-mini`, or `parley-offline` without an endpoint. */
  readonly model: string
  complete(messages: ChatMessage[], options?: { tools?: ToolSpec[]; temperature?: number }): Promise<ChatCompletion>
}

/** `ctx.llm` for a run: `settings` (the deployment's) are asked for when the run first calls the model. */
export function createWorkflowLlm(perform: RunScope['perform'], settings: () => LlmSettings): WorkflowLlm {
  // Resolved on first use, so a workflow that never calls a model never reads its settings.
  let resolved: { llm: ResolvedLlm; model: ReturnType<typeof createChatModel> } | undefined
  const resolve = () => {
    if (!resolved) {
      const llm = resolveLlm({}, settings())
      resolved = { llm, model: createChatModel(llm) }
    }
    return resolved
  }
  return {
    get model() {
      return resolve().llm.model
    },
    async complete(messages, completeOptions = {}) {
      const { llm, model } = resolve()
      const request = {
        model: llm.model,
        temperature: completeOptions.temperature ?? llm.temperature,
        messages,
        tools: completeOptions.tools ?? [],
      }
      return completeOnce(perform, model, request)
    },
  }
}
