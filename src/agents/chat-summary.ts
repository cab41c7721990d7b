import type { ChatMessage } from '../llm/chat-model.ts'
import { completeOnce } from '../runtime/journaled-completion.ts'
import type { RunScope } from '../runtime/run-scope.ts'
import type { Usage } from '../schemas/runs.ts'
import type { Agent } from './agent.ts'
import type { ChatTurn } from './two-agent-chat.ts'

/** AutoGen's reflection prompt. */
export const DEFAULT_SUMMARY_PROMPT = 'Summarize the takeaway from the conversation. Do not add any introductory phrases.'

export interface SummaryRequest {
  method: 'last' | 'reflection'
  prompt: string
  initiator: Agent
  partner: Agent
  history: ChatTurn[]
  perform: RunScope['perform']
  countUsage(usage: Usage): void
}

/**
 * `last`: the last message, "TERMINATE" removed (as AutoGen does). `reflection`: the
 * initiator's model (or the partner's, when the initiator has none) reads the chat and
 * writes the takeaway; with no model on either side it falls back to `last`.
 */
export async function summarizeChat(request: SummaryRequest): Promise<string> {
  const last = (request.history.at(-1)?.content ?? '').replaceAll('TERMINATE', '').trim()
  if (request.method === 'last') return last
  const writer = [request.initiator, request.partner].find((agent) => agent.hasModel)
  const resolved = writer?.model()
  if (!writer || !resolved) return last
  const messages: ChatMessage[] = [
    { role: 'system', content: writer.systemMessage },
    ...request.history.map((turn): ChatMessage => ({ role: turn.sender === writer.name ? 'assistant' : 'user', content: turn.content })),
    // A user message, not a trailing system one: some local chat templates refuse the latter.
    { role: 'user', content: request.prompt },
  ]
  const { model, llm } = resolved
  const completion = await completeOnce(request.perform, model, { model: llm.model, temperature: llm.temperature, messages, tools: [] })
  request.countUsage(completion.usage)
  return completion.message.content?.trim() || last
}
