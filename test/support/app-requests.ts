import type { MessagePage, PollPage } from '../../clients/typescript/index.ts'
import { followPages } from '../../clients/typescript/index.ts'
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

/** Who is asking: an API key or other headers (for an `authenticate` hook). */
export type Who = Pick<SendOptions, 'key' | 'headers'>
const who = (options: Who): SendOptions => ({ key: options.key, headers: options.headers })

/** `listMessages` in-process as `who`, as a `PollPage` for `followPages`; a status other than 200 is thrown. */
function logPoll(app: ParleyApp, runId: string, options: Who): PollPage {
  return async (after): Promise<MessagePage> => {
    const page = await send(app, 'GET', `/v1/runs/${runId}/messages?after=${after}&wait=5`, who(options))
    if (page.status !== 200) throw new Error(`listMessages answered ${page.status}: ${JSON.stringify(page.body)}`)
    return page.body
  }
}

/** Enough long-polls for any test workflow; a hung run fails the test instead of hanging it. */
const MAX_POLLS = 200

/** Long-polls the run's log from `after` until the run has finished; returns every message read. */
export async function drain(app: ParleyApp, runId: string, options: Who & { after?: number } = {}) {
  // biome-ignore lint/suspicious/noExplicitAny: messages are read loosely, as above
  const messages: any[] = []
  let polls = 0
  for await (const page of followPages(logPoll(app, runId, options), { after: options.after ?? 0, retries: 0 })) {
    messages.push(...page.messages)
    if (++polls >= MAX_POLLS) throw new Error(`run ${runId} did not finish`)
  }
  return messages
}

/** Long-polls until the run waits on a question, and returns that question. */
export async function pendingQuestion(app: ParleyApp, runId: string, options: Who = {}) {
  const getRun = async () => (await send(app, 'GET', `/v1/runs/${runId}`, who(options))).body
  let run = await getRun()
  if (run.pending_question) return run.pending_question
  // Each new page of the log is a moment the run may have asked: look again then, and only then.
  let polls = 0
  for await (const _page of followPages(logPoll(app, runId, options), { after: run.last_seq ?? 0, retries: 0 })) {
    run = await getRun()
    if (run.pending_question) return run.pending_question
    if (++polls >= MAX_POLLS) throw new Error(`run ${runId} never asked a question`)
  }
  throw new Error(`run ${runId} finished (${(await getRun()).status}) without asking`)
}
