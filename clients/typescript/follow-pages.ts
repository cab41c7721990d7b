import type { components } from '../../generated/v1.d.ts'
import { isFinished } from './run-status.ts'

/**
 * The one cursor-following loop: the typed client's `messages()`, the web UI, the tests' helpers and
 * the bench all follow a run's log through it. It knows the cursor protocol of `listMessages` and
 * nothing of how a page is fetched, so each caller brings its own `poll` (openapi-fetch, `app.request`,
 * a bare `node:http` agent). It imports nothing but types: the web UI bundles it for the browser.
 */

export type MessagePage = components['schemas']['MessagePage']
type Problem = components['schemas']['Problem']

/** Fetches the page of the log after `after` (`GET /v1/runs/{run_id}/messages?after=…`); rejects when it cannot. */
export type PollPage = (after: number, signal: AbortSignal | undefined) => Promise<MessagePage>

export interface FollowPagesOptions {
  /** Start after this seq (default 0: the whole log). */
  after?: number
  /** Ends the iteration: checked before each poll (and handed to it), the iterator throws the signal's reason. */
  signal?: AbortSignal
  /** Consecutive transient failures retried from the same cursor before the iterator gives up (default 5; `Infinity`: never). */
  retries?: number
  /** Which failures are transient (default: a network error, or a `ParleyApiError` with a 5xx or 408). */
  isTransient?: (error: unknown) => boolean
  /** The pause before retry number `failures` (default 100 ms, doubling, at most 2 s). */
  retryDelayMs?: (failures: number) => number
  /** Told of each transient failure before its retry (to show "reconnecting…", or to count it). */
  onRetry?: (error: unknown, failures: number) => void
}

/** A problem the server answered while following a run (a 404 for an unknown run, say); not retried. */
export class ParleyApiError extends Error {
  /** The RFC 9457 problem the server sent; undefined when the body was something else (a proxy's error page). */
  readonly problem: Problem | undefined

  constructor(
    readonly status: number,
    body: unknown,
  ) {
    const problem = isProblem(body) ? body : undefined
    super(problem ? `${status} ${problem.code}: ${problem.detail}` : `HTTP ${status}`)
    this.name = 'ParleyApiError'
    this.problem = problem
  }
}

/**
 * Every page of a run's log, following the cursor: polls from `after`, then from each page's
 * `next_after`, and ends after the page that shows the run finished with nothing left to read
 * (`next_after >= last_seq`). Empty pages (a long-poll that waited in vain) are yielded too, since
 * each carries the current `run_status`. A message is never in two yielded pages, whatever a
 * retried poll returned. A transient failure is retried from the same cursor after a pause; any
 * other is thrown.
 *
 * @example
 * const poll = (after, signal) => fetchPage(runId, after, signal)
 * for await (const page of followPages(poll, { signal })) render(page.messages, page.run_status)
 */
export async function* followPages(poll: PollPage, options: FollowPagesOptions = {}): AsyncGenerator<MessagePage, void, undefined> {
  const { signal, retries = 5, isTransient = isTransientFailure, retryDelayMs = defaultDelay, onRetry } = options
  let after = options.after ?? 0
  let failures = 0
  for (;;) {
    signal?.throwIfAborted()
    let page: MessagePage
    try {
      page = await poll(after, signal)
    } catch (error) {
      signal?.throwIfAborted()
      if (!isTransient(error) || ++failures > retries) throw error
      onRetry?.(error, failures)
      await sleep(retryDelayMs(failures), signal)
      continue
    }
    failures = 0
    // The guard that makes "each message once" hold whatever a server or proxy sent; a page that
    // follows the cursor never needs it, so the common case costs one comparison per message.
    const first = page.messages[0]
    if (first !== undefined && first.seq <= after) page = { ...page, messages: page.messages.filter((message) => message.seq > after) }
    yield page
    after = Math.max(after, page.next_after)
    if (isFinished(page.run_status) && after >= page.last_seq) return
  }
}

/** Worth another try from the same cursor: the network failed or the server (or a proxy) had a 5xx. */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof ParleyApiError) return error.status >= 500 || error.status === 408
  // fetch rejects with a TypeError when the connection fails or drops.
  return error instanceof TypeError
}

/** The default pause before retry number `failures`: 100 ms, doubling, at most 2 s. */
export const defaultDelay = (failures: number) => Math.min(2_000, 100 * 2 ** (failures - 1))

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && 'code' in body && 'detail' in body
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }
    const timer = setTimeout(done, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
