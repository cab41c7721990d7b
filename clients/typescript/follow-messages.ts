import type { Client } from 'openapi-fetch'
import type { components, paths } from '../../generated/v1.d.ts'
import type { FollowPagesOptions, PollPage } from './follow-pages.ts'
import { followPages, ParleyApiError } from './follow-pages.ts'

type Message = components['schemas']['Message']

export interface FollowOptions extends FollowPagesOptions {
  /** Seconds the server may hold each long-poll when there is nothing new (default 30, at most 60). */
  wait?: number
}

/**
 * `listMessages` through an openapi-fetch client, as a `PollPage` for `followPages`: a page, or a
 * `ParleyApiError` carrying the problem the server answered.
 */
export function pollMessages(api: Client<paths>, runId: string, wait: number): PollPage {
  return async (after, signal) => {
    const { data, error, response } = await api.GET('/v1/runs/{run_id}/messages', {
      params: { path: { run_id: runId }, query: { after, wait } },
      ...(signal === undefined ? {} : { signal }),
    })
    if (data === undefined) throw new ParleyApiError(response.status, error)
    return data
  }
}

/**
 * Every message of a run, in seq order, each once: long-polls `listMessages` from `after`,
 * follows the cursor (`next_after`) and ends when the run has finished and its last message was
 * yielded. A dropped connection or a 5xx is retried from the same cursor with a small backoff,
 * so nothing is skipped or repeated; a 4xx problem is thrown as a `ParleyApiError`. The pages
 * themselves (with each one's `run_status`) come from `followPages`.
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
  const { wait = 30, ...rest } = options
  for await (const page of followPages(pollMessages(api, runId, wait), rest)) yield* page.messages
}
