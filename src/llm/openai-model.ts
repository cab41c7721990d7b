import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai'
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions'
import type { ChatCompletion, ChatMessage, ChatModel, ChatRequest, TextSink, ToolCall } from './chat-model.ts'
import { NO_USAGE } from './chat-model.ts'
import type { ResolvedLlm } from './llm-config.ts'
import { redactSecrets, shortReason } from './redact.ts'

const OPENAI_BASE_URL = 'https://api.openai.com/v1'
/** How much of an endpoint's error body the server's log keeps (redacted); clients get MAX_REASON_CHARS. */
const MAX_LOGGED_BODY_CHARS = 2000

/**
 * The LLM endpoint failed for good (after the client's retries). The message is what a client may
 * see (it becomes the run's `error.short`): the status and a short reason, key-like values masked,
 * no host. `detail` is for the server's log: the endpoint's URL, the reason at more length, also
 * redacted. It carries no `cause`: the openai client's error quotes the raw body and headers.
 */
export class LlmError extends Error {
  /** The HTTP status the endpoint answered; none when it could not be reached or did not answer. */
  readonly status: number | undefined
  /** The endpoint's error body, redacted and cut to a few thousand characters. */
  readonly body: string | undefined
  /** What the server's log says of it: the endpoint's URL included. */
  readonly detail: string

  constructor(message: string, facts: { status?: number; body?: string; detail?: string } = {}) {
    super(message)
    this.name = 'LlmError'
    this.status = facts.status
    this.body = facts.body
    this.detail = facts.detail ?? message
  }
}

/** Chat completions through the `openai` package, against `llm.baseURL` (OpenAI when unset). */
export function createOpenAIModel(llm: ResolvedLlm): ChatModel {
  const label = llm.baseURL ?? OPENAI_BASE_URL
  return {
    label,
    async complete(request, signal, sink) {
      // One client per request: its fetch counts the attempts and keeps the last error body,
      // which the error quotes redacted (APIError keeps only the `error` field).
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
      const facts = () => ({ label, attempts, failure, timeoutMs: llm.timeoutMs, apiKey: llm.apiKey })
      if (sink) return streamCompletion(client, request, signal, sink, { maxRetries: llm.maxRetries, facts })
      try {
        const pending = client.chat.completions.create(toOpenAIBody(request), { signal })
        // The client sleeps between retries without watching the signal: do not wait for it.
        return fromOpenAI(await untilAborted(pending, signal), label, llm.apiKey)
      } catch (error) {
        if (signal.aborted) throw signal.reason ?? error
        throw describeFailure(error, facts())
      }
    },
  }
}

/** The stream broke off before the model finished (the connection dropped, or the endpoint sent an error event). */
class StreamCutError extends Error {}

/**
 * A completion streamed (`stream: true`): each piece of text goes to `sink` as it arrives, and the
 * completion it adds up to is returned. The openai client retries a request that fails before its
 * stream begins; one cut part-way is asked again from the start here (`sink.restart()`), up to
 * `maxRetries` times, and only a complete answer is returned — never half of one.
 */
async function streamCompletion(
  client: OpenAI,
  request: ChatRequest,
  signal: AbortSignal,
  sink: TextSink,
  options: { maxRetries: number; facts: () => FailureFacts },
): Promise<ChatCompletion> {
  for (let cuts = 0; ; ) {
    try {
      const body = { ...toOpenAIBody(request), stream: true as const, stream_options: { include_usage: true } }
      const stream = await untilAborted(client.chat.completions.create(body, { signal }), signal)
      return await collectStream(stream, sink)
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error
      if (!(error instanceof StreamCutError)) throw describeFailure(error, options.facts())
      const { label, apiKey } = options.facts()
      if (++cuts > options.maxRetries) {
        const what = `stream broke off before the answer was complete, ${cuts} time${cuts === 1 ? '' : 's'}`
        throw new LlmError(`the LLM endpoint's ${what}: ${shortReason(error.message, [apiKey])}`, {
          detail: `LLM endpoint ${redactSecrets(label)}: ${what}: ${logged(error.message, apiKey)}`,
        })
      }
      sink.restart()
    }
  }
}

async function collectStream(stream: AsyncIterable<ChatCompletionChunk>, sink: TextSink): Promise<ChatCompletion> {
  let content: string | null = null
  const calls: ToolCall[] = []
  let usage = NO_USAGE
  let finished = false
  try {
    for await (const chunk of stream) {
      if (chunk.usage) {
        const { prompt_tokens, completion_tokens, total_tokens } = chunk.usage
        usage = { prompt_tokens, completion_tokens, total_tokens }
      }
      const choice = chunk.choices?.[0]
      if (!choice) continue
      const delta = choice.delta
      if (delta?.content) {
        content = (content ?? '') + delta.content
        sink.write(delta.content)
      }
      for (const part of delta?.tool_calls ?? []) {
        const call = calls[part.index] ?? { id: '', name: '', arguments: '' }
        calls[part.index] = call
        if (part.id) call.id = part.id
        if (part.function?.name) call.name += part.function.name
        if (part.function?.arguments) call.arguments += part.function.arguments
      }
      if (choice.finish_reason) finished = true
    }
  } catch (error) {
    throw new StreamCutError(error instanceof Error ? error.message : String(error))
  }
  if (!finished) throw new StreamCutError('the stream ended before the model said it had finished')
  return { message: { content, tool_calls: calls.filter((call) => call !== undefined) }, usage }
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

function fromOpenAI(completion: OpenAI.Chat.Completions.ChatCompletion, label: string, apiKey: string | undefined): ChatCompletion {
  const message = completion.choices?.[0]?.message
  if (!message) {
    const json = JSON.stringify(completion)
    throw new LlmError(`the LLM endpoint answered without a choice: ${shortReason(json, [apiKey])}`, {
      detail: `LLM endpoint ${redactSecrets(label)} answered without a choice: ${logged(json, apiKey)}`,
    })
  }
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
  /** The key sent to the endpoint: masked wherever its reply quotes it. */
  apiKey: string | undefined
}

/**
 * The LlmError a failed request becomes. A client learns the status and a short, redacted reason;
 * the endpoint's address, and why it could not be reached (an internal host, a port), stay in the
 * server's log.
 */
function describeFailure(error: unknown, facts: FailureFacts): unknown {
  const tries = `${facts.attempts} attempt${facts.attempts === 1 ? '' : 's'}`
  const endpoint = `LLM endpoint ${redactSecrets(facts.label)}`
  if (error instanceof APIConnectionTimeoutError) {
    const what = `did not answer within ${facts.timeoutMs} ms (${tries})`
    return new LlmError(`the LLM endpoint ${what}`, { detail: `${endpoint} ${what}` })
  }
  if (error instanceof APIError && error.status !== undefined) {
    const raw = facts.failure !== undefined && facts.failure.status === error.status ? facts.failure.body : error.message
    const what = `answered HTTP ${error.status} after ${tries}`
    const reason = shortReason(raw, [facts.apiKey]) || '(empty body)'
    return new LlmError(`the LLM endpoint ${what}: ${reason}`, {
      status: error.status,
      body: logged(raw, facts.apiKey),
      detail: `${endpoint} ${what}: ${logged(raw, facts.apiKey) || '(empty body)'}`,
    })
  }
  if (error instanceof APIError) {
    const cause = error.cause instanceof Error ? ` (${describeCause(error.cause)})` : ''
    return new LlmError(`the LLM endpoint cannot be reached (${tries})`, {
      detail: `${endpoint} could not be reached after ${tries}: ${redactSecrets(`${error.message}${cause}`, [facts.apiKey])}`,
    })
  }
  return error
}

/** `fetch failed: connect ECONNREFUSED 10.1.2.3:443`: the cause's message and its own cause's (where the code and host are). */
function describeCause(cause: Error): string {
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : ''
  return `${cause.message}${inner}`
}

/** An endpoint's reply as the server's log keeps it: redacted, on one line, cut to MAX_LOGGED_BODY_CHARS. */
function logged(text: string, apiKey: string | undefined): string {
  return shortReason(text, [apiKey], MAX_LOGGED_BODY_CHARS)
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
