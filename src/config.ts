/**
 * The one place that reads the environment. Everything else receives these values.
 */
export interface ParleyConfig {
  port: number
  host: string
  store: 'sqlite' | 'memory'
  sqlitePath: string
  apiKeys: Map<string, string>
  corsOrigins: string[]
  maxActiveRunsPerUser: number
  openai: { apiKey: string | undefined; baseURL: string | undefined; model: string | undefined }
}

type Env = Record<string, string | undefined>

export function loadConfig(env: Env = process.env): ParleyConfig {
  const store = env.PARLEY_STORE ?? 'sqlite'
  if (store !== 'sqlite' && store !== 'memory') throw new Error(`PARLEY_STORE must be sqlite or memory, not "${store}"`)
  return {
    port: integer(env.PORT ?? env.PARLEY_PORT, 8008, 'PORT'),
    host: env.PARLEY_HOST ?? '127.0.0.1',
    store,
    sqlitePath: env.PARLEY_SQLITE_PATH ?? '.parley/parley.db',
    apiKeys: parseApiKeys(env.PARLEY_API_KEYS),
    corsOrigins: list(env.PARLEY_CORS_ORIGINS),
    maxActiveRunsPerUser: integer(env.PARLEY_MAX_ACTIVE_RUNS, 1000, 'PARLEY_MAX_ACTIVE_RUNS'),
    openai: { apiKey: env.OPENAI_API_KEY || undefined, baseURL: env.OPENAI_BASE_URL || undefined, model: env.PARLEY_MODEL || undefined },
  }
}

/** `key1:alice,key2:bob` → key → user id. */
export function parseApiKeys(raw: string | undefined): Map<string, string> {
  const keys = new Map<string, string>()
  for (const entry of list(raw)) {
    const at = entry.lastIndexOf(':')
    if (at <= 0 || at === entry.length - 1) throw new Error('PARLEY_API_KEYS entries look like key:user_id, separated by commas')
    keys.set(entry.slice(0, at), entry.slice(at + 1))
  }
  return keys
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
}

function integer(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, not "${raw}"`)
  return value
}
