import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai'
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import type { ChatCompletion, ChatMessage, ChatModel, ChatRequest } from './chat-model.ts'
import { NO_USAGE } from './chat-model.ts'
import type { ResolvedLlm } from './llm-config.ts'

const OPENAI_BASE_URL = 'https://api.openai.com/v1'
const MAX_BODY_CHARS = 500

/** The LLM endpoint failed for good (after the client's retries); the message says what it answered. */
export class LlmError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'LlmError'
  }
}

/** Chat completions through the `openai` package, against `llm.baseURL` (OpenAI when unset). */
export function createOpenAIModel(llm: ResolvedLlm): ChatModel {
  const label = llm.baseURL ?? OPENAI_BASE_URL
  return {
    label,
    async complete(request, signal) {
      // One client per request: its fetch counts the attempts and keeps the last error body
      // verbatim, which the error message quotes (APIError keeps only the `error` field).
      let attempts = 0
      let failure: { status: number; body: string } | undefined
      const client = new OpenAI({
        apiKey: llm.apiKey ?? 'not-needed', // local servers (Ollama, llama.cpp) take no key
        baseURL: label,
        maxRetries: llm.maxRetries,
        timeout: Math.max(1, llm.timeoutMs),
        fetch: async (input, init) => {
          attempts++
          const response = await fetch(input, init)
          if (!response.ok)
            failure = {
              status: response.status,
              body: await response
                .clone()
                .text()
                .catch(() => ''),
            }
          return response
        },
      })
      try {
        const pending = client.chat.completions.create(toOpenAIBody(request), { signal })
        // The client sleeps between retries without watching the signal: do not wait for it.
        return fromOpenAI(await untilAborted(pending, signal), label)
      } catch (error) {
        if (signal.aborted) throw signal.reason ?? error
        throw describeFailure(error, { label, attempts, failure, timeoutMs: llm.timeoutMs })
      }
    },
  }
}

function toOpenAIBody(request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
  return {
    model: request.model,
    messages: request.messages.map(toOpenAIMessage),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.tools.length === 0 ? {} : { tools: request.tools.map((tool) => ({ type: 'function' as const, function: tool })) }),
  }
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  if (message.role !== 'assistant') return message
  if (!message.tool_calls?.length) return { role: 'assistant', content: message.content }
  const toolCalls = message.tool_calls.map((call) => ({
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
  }))
  return { role: 'assistant', content: message.content, tool_calls: toolCalls }
}

function fromOpenAI(completion: OpenAI.Chat.Completions.ChatCompletion, label: string): ChatCompletion {
  const message = completion.choices?.[0]?.message
  if (!message) throw new LlmError(`LLM endpoint ${label} answered without a choice: ${truncate(JSON.stringify(completion))}`)
  const toolCalls = (message.tool_calls ?? []).flatMap((call) =>
    call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
  )
  const usage = completion.usage
  return {
    message: { content: message.content ?? null, tool_calls: toolCalls },
    usage: usage
      ? { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens }
      : NO_USAGE,
  }
}

interface FailureFacts {
  label: string
  attempts: number
  failure: { status: number; body: string } | undefined
  timeoutMs: number
}

function describeFailure(error: unknown, facts: FailureFacts): unknown {
  const tries = `${facts.attempts} attempt${facts.attempts === 1 ? '' : 's'}`
  if (error instanceof APIConnectionTimeoutError) {
    return new LlmError(`LLM endpoint ${facts.label} did not answer within ${facts.timeoutMs} ms (${tries})`, undefined, undefined, {
      cause: error,
    })
  }
  if (error instanceof APIError && error.status !== undefined) {
    const body = facts.failure !== undefined && facts.failure.status === error.status ? facts.failure.body : error.message
    const text = truncate(body.trim()) || '(empty body)'
    return new LlmError(`LLM endpoint ${facts.label} answered HTTP ${error.status} after ${tries}: ${text}`, error.status, body, {
      cause: error,
    })
  }
  if (error instanceof APIError) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : ''
    return new LlmError(`LLM endpoint ${facts.label} could not be reached after ${tries}: ${error.message}${cause}`, undefined, undefined, {
      cause: error,
    })
  }
  return error
}

function truncate(text: string): string {
  return text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…` : text
}

/** Settles with `promise`, or rejects as soon as `signal` fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined) // its rejection after an abort is expected, not unhandled
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
