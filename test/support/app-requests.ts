import type { ParleyApp } from '../../src/http/app.ts'

/**
 * In-process requests for the auth and fault tests: JSON in, decoded JSON out, an optional
 * API key. Bodies are `any` on purpose: these tests read a field or two of each response and
 * the contract tests check the full shapes against `openapi/`.
 */
export interface Sent {
  status: number
  headers: Headers
  // biome-ignore lint/suspicious/noExplicitAny: see above
  body: any
}

export interface SendOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string
  body?: unknown
  headers?: Record<string, string>
}

export async function send(app: ParleyApp, method: string, path: string, options: SendOptions = {}): Promise<Sent> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`
  let body: string | undefined
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  }
  const response = await app.request(path, { method, headers, body })
  const text = await response.text()
  const type = response.headers.get('content-type') ?? ''
  return { status: response.status, headers: response.headers, body: /json/.test(type) && text ? JSON.parse(text) : text }
}

export const FINISHED = ['completed', 'failed', 'cancelled']

/** Who is asking: an API key or other headers (for an `authenticate` hook). */
export type Who = Pick<SendOptions, 'key' | 'headers'>
const who = (options: Who): SendOptions => ({ key: options.key, headers: options.headers })

/** Long-polls the run's log from `after` until the run has finished; returns every message read. */
export async function drain(app: ParleyApp, runId: string, options: Who & { after?: number } = {}) {
  // biome-ignore lint/suspicious/noExplicitAny: messages are read loosely, as above
  const messages: any[] = []
  let after = options.after ?? 0
  for (let polls = 0; polls < 200; polls++) {
    const page = await send(app, 'GET', `/v1/runs/${runId}/messages?after=${after}&wait=5`, who(options))
    if (page.status !== 200) throw new Error(`listMessages answered ${page.status}: ${JSON.stringify(page.body)}`)
    messages.push(...page.body.messages)
    after = page.body.next_after
    if (FINISHED.includes(page.body.run_status) && after >= page.body.last_seq) return messages
  }
  throw new Error(`run ${runId} did not finish`)
}

/** Long-polls until the run waits on a question, and returns that question. */
export async function pendingQuestion(app: ParleyApp, runId: string, options: Who = {}) {
  let after = 0
  for (let polls = 0; polls < 200; polls++) {
    const run = await send(app, 'GET', `/v1/runs/${runId}`, who(options))
    if (run.body.pending_question) return run.body.pending_question
    if (FINISHED.includes(run.body.status)) throw new Error(`run ${runId} finished (${run.body.status}) without asking`)
    const page = await send(app, 'GET', `/v1/runs/${runId}/messages?after=${after}&wait=5`, who(options))
    after = page.body.next_after
  }
  throw new Error(`run ${runId} never asked a question`)
}
