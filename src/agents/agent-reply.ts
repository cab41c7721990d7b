import type { ChatCompletion, ChatMessage, ToolCall } from '../llm/chat-model.ts'
import { completeOnce } from '../runtime/journaled-completion.ts'
import type { ReplyStream } from '../runtime/reply-stream.ts'
import type { RunScope } from '../runtime/run-scope.ts'
import type { Usage } from '../schemas/runs.ts'
import type { Agent } from './agent.ts'
import { argumentsObject, executeToolCall, toolSpec } from './tool.ts'

/** More rounds of tool calls than this in one reply is a model going round in circles. */
const MAX_TOOL_ROUNDS = 10

const APPROVE = 'Approve'
const REJECT = 'Reject'
const EXIT = 'Exit'

export interface ReplyContext {
  readonly scope: RunScope
  readonly partner: Agent
  readonly approveTools: boolean
  /** Counts a completion's tokens in the chat's usage (the run's is counted as the completion is journaled). */
  countUsage(usage: Usage): void
}

export type ModelReply =
  /**
   * `toolTraffic`: the tool calls and results of this reply, which only the replying agent's model sees again.
   * `stream`: the reply as it was streamed, whose `say` stores it (null for an agent without a model).
   */
  { kind: 'reply'; content: string; toolTraffic: ChatMessage[]; stream: ReplyStream | null } | { kind: 'exit'; toolTraffic: ChatMessage[] }

/**
 * The agent's automatic reply to the conversation `view` (its own perspective): it asks its
 * model and, while the model calls tools, logs each call, runs it (after approval when asked
 * for) and feeds the result back, until the model answers in text.
 */
export async function generateModelReply(agent: Agent, view: ChatMessage[], context: ReplyContext): Promise<ModelReply> {
  const resolved = agent.model()
  if (!resolved) return { kind: 'reply', content: agent.defaultAutoReply, toolTraffic: [], stream: null }
  const { model, llm } = resolved
  const tools = agent.tools.map(toolSpec)
  const traffic: ChatMessage[] = []
  for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
    const request = { model: llm.model, temperature: llm.temperature, messages: [...view, ...traffic], tools }
    // Its text is streamed live as the model writes it; whoever follows the run sees it grow.
    const stream = context.scope.streamReply({ sender: agent.name, recipient: context.partner.name })
    let completion: ChatCompletion
    try {
      completion = await completeOnce(context.scope.perform, model, request, stream.sink)
    } finally {
      stream.end()
    }
    context.countUsage(completion.usage)
    const { content, tool_calls: calls } = completion.message
    if (calls.length === 0) return { kind: 'reply', content: content ?? '', toolTraffic: traffic, stream }
    if (content?.trim()) {
      // Said alongside the calls ("let me look that up"): worth showing, though only this model sees it again.
      await stream.say(content)
    }
    traffic.push({ role: 'assistant', content, tool_calls: calls })
    for (const call of calls) {
      const result = await handleToolCall(agent, call, context)
      if (result === null) return { kind: 'exit', toolTraffic: traffic }
      traffic.push({ role: 'tool', tool_call_id: call.id, content: result })
    }
  }
  throw new Error(`${agent.name} was still calling tools after ${MAX_TOOL_ROUNDS} rounds in one reply; the chat was stopped`)
}

/** Logs, approves and runs one call; returns what the model reads back, or null when the human chose Exit. */
async function handleToolCall(agent: Agent, call: ToolCall, context: ReplyContext): Promise<string | null> {
  const { ui, runId, userId } = context.scope
  const args = argumentsObject(call)
  const proposer = { sender: agent.name, recipient: context.partner.name }
  await ui.suggestedFunctionCall({ function_name: call.name, call_id: call.id, arguments: args, ...proposer })
  if (context.approveTools) {
    const choice = await ui.multipleChoice({
      prompt: `${agent.name} wants to call ${call.name}(${JSON.stringify(args)}). Run it?`,
      choices: [APPROVE, REJECT, EXIT],
      default: APPROVE,
      ...proposer,
    })
    if (choice === EXIT) return null
    if (choice === REJECT) return 'The user rejected this call; it was not executed.'
  }
  // At least once: a call whose result is journaled is not made again; one cut off by a crash is.
  const outcome = await context.scope.perform(
    { kind: 'tool', name: call.name, args: { id: call.id, arguments: call.arguments }, summary: `tool ${call.name}(${call.arguments})` },
    (signal) => executeToolCall(agent.tools, call, { runId, userId, signal }),
  )
  // Reported as AutoGen does: the partner (the user proxy) executed it for the agent.
  await ui.functionCallExecution({
    function_name: call.name,
    call_id: call.id,
    retval: outcome.retval,
    sender: context.partner.name,
    recipient: agent.name,
  })
  return outcome.content
}
