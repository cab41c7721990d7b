import type { Client } from 'openapi-fetch'
import type { components, paths } from '../../generated/v1.d.ts'

type Message = components['schemas']['Message']
type Problem = components['schemas']['Problem']

export interface FollowOptions {
  /** Yield the messages whose seq is greater than this (default 0: the whole log). */
  after?: number
  /** Seconds the server may hold each long-poll when there is nothing new (default 30, at most 60). */
  wait?: number
  /** Ends the iteration: the poll in flight is aborted and the iterator throws the signal's reason. */
  signal?: AbortSignal
  /** Consecutive transient failures (network errors, 5xx) retried before the iterator gives up (default 5). */
  retries?: number
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

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && 'code' in body && 'detail' in body
}

const FINISHED = new Set<string>(['completed', 'failed', 'cancelled'])

/**
 * Every message of a run, in seq order, each once: long-polls `listMessages` from `after`,
 * follows the cursor (`next_after`) and ends when the run has finished and its last message was
 * yielded. A dropped connection or a 5xx is retried from the same cursor with a small backoff,
 * so nothing is skipped or repeated; a 4xx problem is thrown as a `ParleyApiError`.
 *
 * @example
 * for await (const message of followMessages(api, runId, { wait: 25 })) {
 *   console.log(message.seq, message.type)
 * }
 */
export async function* followMessages(
  api: Client<paths>,
  runId: string,
  options: FollowOptions = {},
): AsyncGenerator<Message, void, undefined> {
  const { signal, wait = 30, retries = 5 } = options
  let after = options.after ?? 0
  // The seq of the last message yielded: the guard that makes "each once" hold whatever happens.
  let yielded = after
  let failures = 0
  for (;;) {
    signal?.throwIfAborted()
    let page: components['schemas']['MessagePage']
    try {
      const { data, error, response } = await api.GET('/v1/runs/{run_id}/messages', {
        params: { path: { run_id: runId }, query: { after, wait } },
        ...(signal === undefined ? {} : { signal }),
      })
      if (data === undefined) throw new ParleyApiError(response.status, error)
      page = data
    } catch (error) {
      signal?.throwIfAborted()
      if (!isTransient(error) || ++failures > retries) throw error
      await sleep(Math.min(2_000, 100 * 2 ** (failures - 1)), signal)
      continue
    }
    failures = 0
    for (const message of page.messages) {
      if (message.seq <= yielded) continue
      yielded = message.seq
      yield message
    }
    after = page.next_after
    if (FINISHED.has(page.run_status) && after >= page.last_seq) return
  }
}

/** Worth another try from the same cursor: the network failed or the server (or a proxy) had a 5xx. */
function isTransient(error: unknown): boolean {
  if (error instanceof ParleyApiError) return error.status >= 500 || error.status === 408
  // fetch rejects with a TypeError when the connection fails or drops.
  return error instanceof TypeError
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
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
