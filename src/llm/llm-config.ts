import type { ChatModel } from './chat-model.ts'
import { createOfflineModel } from './offline-model.ts'
import { createOpenAIModel } from './openai-model.ts'

/**
 * An agent's model settings. What is left out comes from the deployment's `LlmSettings` (passed to
 * `createApp` / `createWorker` as `llm`; by default the environment's `OPENAI_API_KEY`,
 * `OPENAI_BASE_URL`, `PARLEY_MODEL`, `PARLEY_LLM_MAX_RETRIES`, `PARLEY_LLM_TIMEOUT_MS`, read by
 * src/config.ts when a run first calls a model, not at import).
 *
 * @example
 * new Agent({ name: 'Local', llm: { baseURL: 'http://localhost:11434/v1', model: 'llama3.2' } })
 */
export interface LlmOptions {
  model?: string
  temperature?: number
  /** Any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp …), e.g. `http://localhost:11434/v1`. */
  baseURL?: string
  apiKey?: string
  /** Retries of 429, 5xx, timeouts and connection errors, with the openai client's backoff (default 2). */
  maxRetries?: number
  /** Timeout of each attempt in milliseconds (default 120000). */
  timeoutMs?: number
}

/**
 * The deployment's model endpoint: what every agent and `ctx.llm` use unless they name their own.
 * Read from configuration once (src/config.ts) and passed down: `createApp` / `createWorker` → the
 * worker → each run's scope → the agents. This folder never reads the environment itself.
 *
 * @example
 * createApp({ workflows, llm: { baseURL: 'http://localhost:11434/v1', model: 'llama3.2', maxRetries: 2, timeoutMs: 60_000 } })
 */
export interface LlmSettings {
  apiKey?: string | undefined
  baseURL?: string | undefined
  model?: string | undefined
  /** Retries of 429, 5xx, timeouts and connection errors, with the openai client's backoff. */
  maxRetries: number
  /** Timeout of each attempt in milliseconds. */
  timeoutMs: number
  /** The offline model streams its replies a word every this many milliseconds (default 0: at once). */
  offlineTokenDelayMs?: number | undefined
}

/** No endpoint configured: the offline model answers, with the usual retry and timeout defaults. */
export const OFFLINE_LLM_SETTINGS: LlmSettings = Object.freeze({ maxRetries: 2, timeoutMs: 120_000 })

export interface ResolvedLlm {
  model: string
  temperature: number | undefined
  baseURL: string | undefined
  apiKey: string | undefined
  maxRetries: number
  timeoutMs: number
  /** No API key and no base URL anywhere: the built-in offline model answers. */
  offline: boolean
  offlineTokenDelayMs: number
}

/** The model when neither the agent nor `PARLEY_MODEL` names one. */
export const DEFAULT_MODEL = 'gpt-4o-mini'
export const OFFLINE_MODEL = 'parley-offline'

/**
 * Merges an agent's settings over the deployment's. An agent that names its own `baseURL`
 * does not inherit the deployment's API key: that key is not sent to an endpoint it was not meant for.
 */
export function resolveLlm(options: LlmOptions = {}, env: LlmSettings = OFFLINE_LLM_SETTINGS): ResolvedLlm {
  const apiKey = options.apiKey ?? (options.baseURL === undefined ? env.apiKey : undefined)
  const baseURL = options.baseURL ?? env.baseURL
  const offline = apiKey === undefined && baseURL === undefined
  return {
    model: options.model ?? env.model ?? (offline ? OFFLINE_MODEL : DEFAULT_MODEL),
    temperature: options.temperature,
    baseURL,
    apiKey,
    maxRetries: options.maxRetries ?? env.maxRetries,
    timeoutMs: options.timeoutMs ?? env.timeoutMs,
    offline,
    offlineTokenDelayMs: env.offlineTokenDelayMs ?? 0,
  }
}

/** The model an agent talks to: the offline one, or the `openai` client on the resolved endpoint. */
export function createChatModel(llm: ResolvedLlm): ChatModel {
  return llm.offline ? createOfflineModel({ tokenDelayMs: llm.offlineTokenDelayMs }) : createOpenAIModel(llm)
}
