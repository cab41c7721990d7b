import { readFileSync } from 'node:fs'

/**
 * The one place that reads the environment. Everything else receives these values.
 */
/** A setting that cannot be used as given: the CLI prints its message as one line and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

export const STORE_KINDS = ['sqlite', 'memory', 'postgres'] as const
export type StoreKind = (typeof STORE_KINDS)[number]

export interface ParleyConfig {
  port: number
  host: string
  store: StoreKind
  sqlitePath: string
  postgres: PostgresConfig
  worker: WorkerConfig
  apiKeys: Map<string, string>
  corsOrigins: string[]
  /** Without API keys: hosts besides loopback that requests may name (`PARLEY_ALLOWED_HOSTS`). */
  allowedHosts: string[]
  /** The operator accepts serving without keys on a non-loopback address (`PARLEY_ALLOW_NO_AUTH=1`). */
  allowNoAuth: boolean
  /** Where clients reach this server (the contract's `servers`); relative when unset. */
  publicUrl: string | undefined
  maxActiveRunsPerUser: number
  /** Long-polls one user may hold waiting at once, per process (PARLEY_MAX_HELD_POLLS_PER_USER; 0: no limit). */
  maxHeldPollsPerUser: number
  /** Runs one user may start per minute, per process (PARLEY_RUNS_PER_MINUTE; 0: no limit). */
  runsPerMinute: number
  /** How long runs and their logs are kept (src/runtime/retention.ts). */
  retention: RetentionConfig
  openai: LlmEnvConfig
  /** Bounds on sizes a client or a workflow could otherwise grow without end (README: Security). */
  sizeLimits: SizeLimitsConfig
  /** How long a client gets to send its headers, and its whole request (src/server.ts). */
  headersTimeoutMs: number
  requestTimeoutMs: number
  /** Where webhooks may point and how they are sent (src/runtime/webhooks/). */
  webhooks: WebhookConfig
}

/** Webhook delivery (a `WebhookDeliveryOptions`, src/runtime/webhooks/dispatcher.ts). */
export interface WebhookConfig {
  /** PARLEY_WEBHOOK_ALLOW_PRIVATE=1: webhooks may point at loopback and private addresses (default: public only). */
  allowPrivate: boolean
  /** PARLEY_WEBHOOK_MAX_ATTEMPTS: attempts per delivery before it is marked failed (default 10). */
  maxAttempts: number
  /** PARLEY_WEBHOOK_RETRY_MS: the wait before the first retry, 4× longer each next one up to 6 h (default 5000). */
  retryBaseMs: number
  /** PARLEY_WEBHOOK_TIMEOUT_MS: how long one attempt may take (default 10000). */
  timeoutMs: number
}

/** Sizes bounded so that no client or workflow can exhaust the server's memory or a run's log. */
export interface SizeLimitsConfig {
  /** Bytes of messages (their JSON) one `listMessages` page holds at most; always at least one message. */
  maxPageBytes: number
  /** Bytes of one message (its JSON): a workflow's emit, or a reply. */
  maxMessageBytes: number
  /** Messages one run's workflow may emit. */
  maxMessagesPerRun: number
  /** LLM tokens (total) one run may use. */
  maxTokensPerRun: number
  /** How deeply a run's params may nest (objects and arrays). */
  maxParamsDepth: number
}

/** How long runs are kept, and how long one may go on; null: no bound. */
export interface RetentionConfig {
  /** Finished runs older than this are deleted with their messages (PARLEY_RETENTION, default 30 days). */
  retentionMs: number | null
  /** An unfinished run older than this is failed (PARLEY_MAX_RUN_AGE, default 30 days). */
  maxRunAgeMs: number | null
  /** The memory store keeps at most this many finished runs, freeing the oldest (PARLEY_MEMORY_MAX_FINISHED_RUNS). */
  memoryMaxFinishedRuns: number
}

/** PostgreSQL, for several processes (`PARLEY_STORE=postgres`). */
export interface PostgresConfig {
  url: string | undefined
  schema: string
  poolSize: number
  connectTimeoutMs: number
}

/** How this process's worker executes runs (src/runtime/worker.ts). */
export interface WorkerConfig {
  leaseMs: number
  parkAfterMs: number
  maxRuns: number
  memoryBudgetBytes: number | null
}

/** The LLM endpoint agents and `ctx.llm` use by default (an `LlmSettings`, src/llm/llm-config.ts). */
export interface LlmEnvConfig {
  apiKey: string | undefined
  baseURL: string | undefined
  model: string | undefined
  /** Retries of 429/5xx/timeouts by the openai client, with its backoff. */
  maxRetries: number
  /** Per-attempt timeout of one completion request. */
  timeoutMs: number
  /** PARLEY_OFFLINE_TOKEN_DELAY_MS: the offline model's pause between streamed words. */
  offlineTokenDelayMs: number
}

type Env = Record<string, string | undefined>

/** The port `parley serve` listens on unless told otherwise (`PORT`, `--port`). */
export const DEFAULT_PORT = 8008

/** The shortest API key Parley takes: anything shorter is guessable. */
export const MIN_API_KEY_LENGTH = 16

/** Why `key` cannot be an API key, or null when it can. It never quotes the key. */
export function apiKeyProblem(key: string): string | null {
  return key.length < MIN_API_KEY_LENGTH ? `the key is shorter than ${MIN_API_KEY_LENGTH} characters` : null
}

export function loadConfig(env: Env = process.env): ParleyConfig {
  const store = parseStoreKind(env.PARLEY_STORE ?? 'sqlite', 'PARLEY_STORE')
  const memoryMb = integer(env.PARLEY_WORKER_MEMORY_MB, 0, 'PARLEY_WORKER_MEMORY_MB')
  return {
    port: integer(env.PORT ?? env.PARLEY_PORT, DEFAULT_PORT, 'PORT'),
    host: env.PARLEY_HOST ?? '127.0.0.1',
    store,
    sqlitePath: env.PARLEY_SQLITE_PATH ?? '.parley/parley.db',
    postgres: {
      url: env.DATABASE_URL || undefined,
      schema: env.PARLEY_PG_SCHEMA || 'parley',
      poolSize: integer(env.PARLEY_PG_POOL_SIZE, 10, 'PARLEY_PG_POOL_SIZE'),
      connectTimeoutMs: integer(env.PARLEY_PG_CONNECT_TIMEOUT_MS, 5000, 'PARLEY_PG_CONNECT_TIMEOUT_MS'),
    },
    worker: {
      leaseMs: integer(env.PARLEY_LEASE_MS, 15_000, 'PARLEY_LEASE_MS'),
      parkAfterMs: integer(env.PARLEY_PARK_AFTER_MS, 60_000, 'PARLEY_PARK_AFTER_MS'),
      maxRuns: integer(env.PARLEY_WORKER_MAX_RUNS, 10_000, 'PARLEY_WORKER_MAX_RUNS'),
      memoryBudgetBytes: memoryMb > 0 ? memoryMb * 1024 * 1024 : null,
    },
    apiKeys: loadApiKeys(env),
    corsOrigins: list(env.PARLEY_CORS_ORIGINS),
    allowedHosts: list(env.PARLEY_ALLOWED_HOSTS),
    allowNoAuth: yesOrNo(env.PARLEY_ALLOW_NO_AUTH, 'PARLEY_ALLOW_NO_AUTH'),
    publicUrl: publicUrl(env.PARLEY_PUBLIC_URL),
    maxActiveRunsPerUser: integer(env.PARLEY_MAX_ACTIVE_RUNS, 1000, 'PARLEY_MAX_ACTIVE_RUNS'),
    maxHeldPollsPerUser: integer(env.PARLEY_MAX_HELD_POLLS_PER_USER, 100, 'PARLEY_MAX_HELD_POLLS_PER_USER'),
    runsPerMinute: integer(env.PARLEY_RUNS_PER_MINUTE, 60, 'PARLEY_RUNS_PER_MINUTE'),
    retention: {
      retentionMs: duration(env.PARLEY_RETENTION, THIRTY_DAYS_MS, 'PARLEY_RETENTION'),
      maxRunAgeMs: duration(env.PARLEY_MAX_RUN_AGE, THIRTY_DAYS_MS, 'PARLEY_MAX_RUN_AGE'),
      memoryMaxFinishedRuns: integer(env.PARLEY_MEMORY_MAX_FINISHED_RUNS, 10_000, 'PARLEY_MEMORY_MAX_FINISHED_RUNS'),
    },
    openai: loadLlmConfig(env),
    sizeLimits: {
      maxPageBytes: integer(env.PARLEY_MAX_PAGE_BYTES, 4 * 1024 * 1024, 'PARLEY_MAX_PAGE_BYTES'),
      maxMessageBytes: integer(env.PARLEY_MAX_MESSAGE_BYTES, 256 * 1024, 'PARLEY_MAX_MESSAGE_BYTES'),
      maxMessagesPerRun: integer(env.PARLEY_MAX_MESSAGES_PER_RUN, 10_000, 'PARLEY_MAX_MESSAGES_PER_RUN'),
      maxTokensPerRun: integer(env.PARLEY_MAX_TOKENS_PER_RUN, 1_000_000, 'PARLEY_MAX_TOKENS_PER_RUN'),
      maxParamsDepth: integer(env.PARLEY_MAX_PARAMS_DEPTH, 64, 'PARLEY_MAX_PARAMS_DEPTH'),
    },
    headersTimeoutMs: integer(env.PARLEY_HEADERS_TIMEOUT_MS, 10_000, 'PARLEY_HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: integer(env.PARLEY_REQUEST_TIMEOUT_MS, 60_000, 'PARLEY_REQUEST_TIMEOUT_MS'),
    webhooks: {
      allowPrivate: yesOrNo(env.PARLEY_WEBHOOK_ALLOW_PRIVATE, 'PARLEY_WEBHOOK_ALLOW_PRIVATE'),
      maxAttempts: Math.max(1, integer(env.PARLEY_WEBHOOK_MAX_ATTEMPTS, 10, 'PARLEY_WEBHOOK_MAX_ATTEMPTS')),
      retryBaseMs: integer(env.PARLEY_WEBHOOK_RETRY_MS, 5000, 'PARLEY_WEBHOOK_RETRY_MS'),
      timeoutMs: Math.max(1, integer(env.PARLEY_WEBHOOK_TIMEOUT_MS, 10_000, 'PARLEY_WEBHOOK_TIMEOUT_MS')),
    },
  }
}

/** Where `parley chat` finds a server, and the key it sends; its flags override both. */
export interface ChatConfig {
  /** `PARLEY_URL`, default the address `parley serve` listens on by default. */
  url: string
  /** `PARLEY_API_KEY`: one key of the server's `PARLEY_API_KEYS`, sent as `Authorization: Bearer`. */
  apiKey: string | undefined
}

/** Only what the console client needs: it talks to a server over HTTP and reads nothing else of the environment. */
export function loadChatConfig(env: Env = process.env): ChatConfig {
  return { url: env.PARLEY_URL || `http://127.0.0.1:${DEFAULT_PORT}`, apiKey: env.PARLEY_API_KEY || undefined }
}

/** The offline model's pace when it streams: about 60 words a second, slow enough to watch a reply grow. */
const DEFAULT_OFFLINE_TOKEN_DELAY_MS = 15

/** Only the LLM part: agents resolve it lazily, when they first call a model, not at import. */
export function loadLlmConfig(env: Env = process.env): LlmEnvConfig {
  return {
    apiKey: env.OPENAI_API_KEY || undefined,
    baseURL: env.OPENAI_BASE_URL || undefined,
    model: env.PARLEY_MODEL || undefined,
    maxRetries: integer(env.PARLEY_LLM_MAX_RETRIES, 2, 'PARLEY_LLM_MAX_RETRIES'),
    timeoutMs: integer(env.PARLEY_LLM_TIMEOUT_MS, 120_000, 'PARLEY_LLM_TIMEOUT_MS'),
    offlineTokenDelayMs: integer(env.PARLEY_OFFLINE_TOKEN_DELAY_MS, DEFAULT_OFFLINE_TOKEN_DELAY_MS, 'PARLEY_OFFLINE_TOKEN_DELAY_MS'),
  }
}

/** PARLEY_PUBLIC_URL: an http(s) URL, kept without a trailing slash (`https://agents.example.com/parley`). */
function publicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    throw new ConfigError(`PARLEY_PUBLIC_URL must be a URL like https://agents.example.com, not "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`PARLEY_PUBLIC_URL must be http or https, not ${url.protocol}`)
  if (url.search !== '' || url.hash !== '') throw new ConfigError('PARLEY_PUBLIC_URL must not have a query or fragment')
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

/** `key1:alice,key2:bob` → key → user id. Errors say which entry, never echo a key. */
export function parseApiKeys(raw: string | undefined): Map<string, string> {
  const keys = new Map<string, string>()
  for (const [index, entry] of list(raw).entries()) {
    const at = entry.lastIndexOf(':')
    const key = entry.slice(0, Math.max(at, 0)).trim()
    const userId = entry.slice(at + 1).trim()
    if (at < 0 || key === '' || userId === '') {
      throw new ConfigError(`PARLEY_API_KEYS entry ${index + 1} is not key:user_id (entries look like key1:alice,key2:bob)`)
    }
    addKey(keys, key, userId, `PARLEY_API_KEYS entry ${index + 1}`)
  }
  return keys
}

/** PARLEY_API_KEYS and the JSON file PARLEY_API_KEYS_FILE names (`{ "key": "user_id" }`), merged. */
export function loadApiKeys(env: Env): Map<string, string> {
  const keys = parseApiKeys(env.PARLEY_API_KEYS)
  const path = env.PARLEY_API_KEYS_FILE
  if (path) for (const [key, userId] of readApiKeysFile(path)) addKey(keys, key, userId, `PARLEY_API_KEYS_FILE (${path})`)
  return keys
}

/** Reads `{ "key": "user_id", … }`. An empty file is refused: it would silently turn auth off. */
export function readApiKeysFile(path: string): Map<string, string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`PARLEY_API_KEYS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // JSON.parse's message quotes the text, which would put a key in the log.
    throw new ConfigError(`PARLEY_API_KEYS_FILE: ${path} is not valid JSON`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`PARLEY_API_KEYS_FILE: ${path} must hold a JSON object mapping each API key to a user id`)
  }
  const keys = new Map<string, string>()
  for (const [index, [key, userId]] of Object.entries(parsed).entries()) {
    if (key.trim() === '' || typeof userId !== 'string' || userId.trim() === '') {
      throw new ConfigError(`PARLEY_API_KEYS_FILE: entry ${index + 1} of ${path} must map a non-empty key to a non-empty user id string`)
    }
    const problem = apiKeyProblem(key.trim())
    if (problem) throw new ConfigError(`PARLEY_API_KEYS_FILE: entry ${index + 1} of ${path}: ${problem}`)
    keys.set(key.trim(), userId.trim())
  }
  if (keys.size === 0) throw new ConfigError(`PARLEY_API_KEYS_FILE: ${path} holds no keys (auth would be off)`)
  return keys
}

function addKey(keys: Map<string, string>, key: string, userId: string, where: string): void {
  const problem = apiKeyProblem(key)
  if (problem) throw new ConfigError(`${where}: ${problem}`)
  const existing = keys.get(key)
  if (existing !== undefined && existing !== userId) {
    throw new ConfigError(`${where}: this key is already given to user "${existing}"; one key maps to one user`)
  }
  keys.set(key, userId)
}

/** `sqlite`, `memory` or `postgres`; anything else is refused, naming where it came from. */
export function parseStoreKind(raw: string, where: string): StoreKind {
  const kind = STORE_KINDS.find((candidate) => candidate === raw)
  if (!kind) throw new ConfigError(`${where} must be one of ${STORE_KINDS.join(', ')}, not "${raw}"`)
  return kind
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
}

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000
const DURATION_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A duration in ms: `30d`, `12h`, `90m`, `45s`, or bare seconds (`3600`); `0` or `off`: no bound (null).
 *
 * @example duration('12h', THIRTY_DAYS_MS, 'PARLEY_RETENTION') // 43_200_000
 */
export function duration(raw: string | undefined, fallback: number | null, name: string): number | null {
  if (raw === undefined || raw.trim() === '') return fallback
  const text = raw.trim().toLowerCase()
  if (text === 'off') return null
  const match = /^(\d+)([smhd]?)$/.exec(text)
  if (!match) throw new ConfigError(`${name} must be a duration like 30d, 12h, 90m, 45s or seconds (0 or off: no limit), not "${raw}"`)
  const ms = Number(match[1]) * (DURATION_UNITS_MS[match[2] || 's'] ?? 1000)
  return ms === 0 ? null : ms
}

/** `1`/`true` or `0`/`false` (unset: false); anything else is refused rather than guessed. */
function yesOrNo(raw: string | undefined, name: string): boolean {
  const value = (raw ?? '').trim().toLowerCase()
  if (value === '1' || value === 'true') return true
  if (value === '' || value === '0' || value === 'false') return false
  throw new ConfigError(`${name} must be 1 or 0 (true or false), not "${raw}"`)
}

function integer(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number, not "${raw}"`)
  return value
}
