import type { Usage } from '../schemas/runs.ts'

/**
 * The line between agents and whatever answers them: a chat-completions model. Two
 * implementations: the `openai` package against any OpenAI-compatible endpoint
 * (openai-model.ts) and the built-in offline model (offline-model.ts).
 */

/** A tool call the model asked for; `arguments` is the JSON text the model wrote. */
export interface ToolCall {
  id: string
  name: string
  arguments: string
}

/** One message of the conversation as a model sees it (the chat-completions roles). */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string }

/** A function the model may call: its JSON Schema is what the model fills in. */
export interface ToolSpec {
  name: string
  description: string
  parameters: Record<string, unknown>
}

export interface ChatRequest {
  model: string
  temperature?: number | undefined
  messages: ChatMessage[]
  tools: ToolSpec[]
}

export interface ChatCompletion {
  message: { content: string | null; tool_calls: ToolCall[] }
  usage: Usage
}

/** Where a model streaming its answer writes the text as it comes (token streaming). */
export interface TextSink {
  /** The next piece of the answer's text. */
  write(text: string): void
  /** The attempt failed part-way and the model asks again: the text written so far is void. */
  restart(): void
}

/**
 * Answers one chat-completions request; rejects when `signal` fires (a cancelled run). With a
 * `sink`, the model streams: the text is written there as it is generated, and the completion
 * it resolves to is the same as without.
 */
export interface ChatModel {
  /** What the model is, for error messages: `offline`, or the endpoint's base URL. */
  readonly label: string
  complete(request: ChatRequest, signal: AbortSignal, sink?: TextSink): Promise<ChatCompletion>
}

export const NO_USAGE: Usage = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })
