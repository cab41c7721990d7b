import type { ChatCompletion, ChatModel, ChatRequest, TextSink } from '../llm/chat-model.ts'
import type { RunScope } from './run-scope.ts'

/**
 * One chat completion, done once per run: the run's journal keeps the whole response (text,
 * tool calls, usage), and a resumed run gets it back without calling the model again. The
 * fingerprint covers what the workflow asks (the messages and tools), not the deployment's
 * model settings, so a restart with another model or endpoint still resumes its runs. With a
 * `sink`, the model streams its text there as it writes it (a journaled completion, replayed, does not).
 */
export function completeOnce(
  perform: RunScope['perform'],
  model: ChatModel,
  request: ChatRequest,
  sink?: TextSink,
): Promise<ChatCompletion> {
  const last = request.messages.at(-1)
  return perform(
    {
      kind: 'llm',
      name: 'chat.completions',
      args: { messages: request.messages, tools: request.tools },
      summary: `a completion from ${request.model} after ${request.messages.length} message(s), the last from ${last?.role ?? 'nobody'}`,
      usage: (completion) => completion.usage,
    },
    (signal) => model.complete(request, signal, sink),
  )
}
