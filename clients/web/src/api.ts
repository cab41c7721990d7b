import type { components } from '../../../generated/v1.d.ts'
import type { Message, ParleyClient, Problem } from '../../typescript/index.ts'
import { createClient, ParleyApiError } from '../../typescript/index.ts'

export type { Answer, Message, MessagePage, Problem, Question, Run, RunStatus, TextDelta, Workflow } from '../../typescript/index.ts'
export { isFinished } from '../../typescript/index.ts'
export type FieldError = components['schemas']['FieldError']
/** One member of the message union, by its `type`. */
export type MessageOf<T extends Message['type']> = Extract<Message, { type: T }>

/**
 * The page's connection to one Parley API: the typed client (openapi-fetch over the generated
 * contract, from clients/typescript) and the API key, kept per API in localStorage. Any 401
 * calls `onUnauthorized`, so the page can ask for a key once, wherever it happened.
 */
export class ApiSession {
  client: ParleyClient
  onUnauthorized: () => void = () => undefined
  #apiKey: string | undefined

  constructor(readonly baseUrl: string) {
    this.#apiKey = readStorage(this.#storageKey) ?? undefined
    this.client = this.#connect()
  }

  get apiKey(): string | undefined {
    return this.#apiKey
  }

  /** Saves (or, with undefined, forgets) the key and reconnects with it. */
  setApiKey(key: string | undefined): void {
    this.#apiKey = key === undefined || key.trim() === '' ? undefined : key.trim()
    writeStorage(this.#storageKey, this.#apiKey ?? null)
    this.client = this.#connect()
  }

  /** Where this API's Swagger UI is. */
  get docsUrl(): string {
    return `${this.baseUrl}/docs`
  }

  get #storageKey(): string {
    return `parley.apiKey:${this.baseUrl}`
  }

  #connect(): ParleyClient {
    const apiKey = this.#apiKey
    const client = createClient({ baseUrl: this.baseUrl, ...(apiKey === undefined ? {} : { apiKey }) })
    client.use({
      onResponse: ({ response }) => {
        if (response.status === 401) this.onUnauthorized()
        return undefined
      },
    })
    return client
  }
}

/** One line a person can read, from whatever a failed call gave back (a problem, a `ParleyApiError`, or nothing). */
export function describeFailure(error: unknown, response?: Response): string {
  if (isProblem(error)) return error.detail || error.title
  if (error instanceof ParleyApiError)
    return error.problem ? error.problem.detail || error.problem.title : `The API answered ${error.status}`
  if (error instanceof Error) return navigator.onLine ? `Cannot reach the API (${error.message})` : 'You are offline'
  return response ? `The API answered ${response.status} ${response.statusText}` : 'Something went wrong'
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'code' in value && 'status' in value
}

/** A fresh Idempotency-Key; randomUUID needs a secure context, getRandomValues does not. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID()
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null // storage disabled (private mode, a sandboxed frame): the key lives in memory only
  }
}

function writeStorage(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key)
    else localStorage.setItem(key, value)
  } catch {
    // see readStorage
  }
}
