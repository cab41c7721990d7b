import type { RunScope } from '../runtime/run-scope.ts'
import type { ChatCompletion, ChatMessage, ToolSpec } from './chat-model.ts'
import { completeOnce } from './journaled-completion.ts'
import type { LlmOptions, ResolvedLlm } from './llm-config.ts'
import { createChatModel, resolveLlm } from './llm-config.ts'

/**
 * The LLM client a workflow finds as `ctx.llm`, for a plain completion without agents: the
 * environment's model (or the offline one), bound to the run — a cancel aborts the request, the
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

export function createWorkflowLlm(perform: RunScope['perform'], options?: LlmOptions): WorkflowLlm {
  // Resolved on first use, so a workflow that never calls a model never reads its settings.
  let resolved: { llm: ResolvedLlm; model: ReturnType<typeof createChatModel> } | undefined
  const resolve = () => {
    if (!resolved) {
      const llm = resolveLlm(options)
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
