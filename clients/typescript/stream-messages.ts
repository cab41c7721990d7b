import type { Client } from 'openapi-fetch'
import type { components, paths } from '../../generated/v1.d.ts'
import type { FollowPagesOptions } from './follow-pages.ts'
import { defaultDelay, isTransientFailure, ParleyApiError, sleep } from './follow-pages.ts'
import { isFinished } from './run-status.ts'
import { readServerSentEvents } from './server-sent-events.ts'

type Message = components['schemas']['Message']
/** A piece of an agent's reply while its model writes it: live, never in the log (see `streamMessages`' `deltas`). */
export type TextDelta = components['schemas']['TextDelta']

export interface StreamMessagesOptions extends FollowPagesOptions {
  /** Seconds of quiet after which the server sends a heartbeat (1–60; the server's default, 15, when omitted). */
  heartbeat?: number
  /**
   * Also yield the `text_delta`s of agent replies as they are generated, between the messages.
   * A reply's deltas join into the text of the `text_message` whose `id` is their `message_ref`,
   * which follows them; an `index` of 0 for a reply already begun means it started over.
   */
  deltas?: boolean
}

/** The stream ended before the run's last message (the server stopped, say): worth resuming. */
export class StreamEndedError extends Error {
  override name = 'StreamEndedError'
}

/**
 * Every message of a run, in seq order, each once, pushed by the server over Server-Sent Events
 * (`streamRunEvents`, `GET /v1/runs/{run_id}/events`) rather than long-polled: one request for
 * the whole run. It reads the stream with `fetch` (so the client's `Authorization` header, base
 * URL and middleware apply, which `EventSource` would not allow) and ends after
 * `workflow_completed`. A dropped connection, a 5xx, or a stream that ends early is resumed from
 * the last message seen, after a pause, up to `retries` times in a row (a message received resets
 * the count); a 4xx problem is thrown as a `ParleyApiError`, such as a 404 `route_not_found` from
 * a server older than the stream (`followMessages`, the long-poll, works with every server).
 *
 * @example
 * for await (const message of streamMessages(api, runId, { signal })) console.log(message.seq, message.type)
 */
export function streamMessages(
  api: Client<paths>,
  runId: string,
  options: StreamMessagesOptions & { deltas: true },
): AsyncGenerator<Message | TextDelta, void, undefined>
export function streamMessages(api: Client<paths>, runId: string, options?: StreamMessagesOptions): AsyncGenerator<Message, void, undefined>
export async function* streamMessages(
  api: Client<paths>,
  runId: string,
  options: StreamMessagesOptions = {},
): AsyncGenerator<Message | TextDelta, void, undefined> {
  const { signal, retries = 5, isTransient = isTransientFailure, retryDelayMs = defaultDelay, onRetry, heartbeat, deltas } = options
  let after = options.after ?? 0
  let failures = 0
  for (;;) {
    signal?.throwIfAborted()
    try {
      const { data, error, response } = await api.GET('/v1/runs/{run_id}/events', {
        params: { path: { run_id: runId }, query: heartbeat === undefined ? { after } : { after, heartbeat } },
        parseAs: 'stream',
        ...(signal === undefined ? {} : { signal }),
      })
      if (!data) throw new ParleyApiError(response.status, error)
      for await (const event of readServerSentEvents(data)) {
        if (event.event === 'text_delta' && deltas) yield JSON.parse(event.data) as TextDelta
        if (event.event !== 'message') continue // a delta, or an event this client does not know yet
        const message = JSON.parse(event.data) as Message
        if (message.seq <= after) continue
        after = message.seq
        failures = 0
        yield message
        if (message.type === 'workflow_completed') return
      }
      // Ended without the last message: the run may have finished before the cursor (nothing to send), or the server stopped.
      const { data: run } = await api.GET('/v1/runs/{run_id}', { params: { path: { run_id: runId } }, ...(signal ? { signal } : {}) })
      if (run && isFinished(run.status) && after >= run.last_seq) return
      throw new StreamEndedError(`the event stream of run ${runId} ended after seq ${after}, before the run did`)
    } catch (error) {
      signal?.throwIfAborted()
      if (!(error instanceof StreamEndedError || isTransient(error)) || ++failures > retries) throw error
      onRetry?.(error, failures)
      await sleep(retryDelayMs(failures), signal)
    }
  }
}
