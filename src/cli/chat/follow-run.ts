import type { ParleyClient } from '../../../clients/typescript/index.ts'
import { ParleyApiError } from '../../../clients/typescript/index.ts'
import type { RunItem } from './run-items.ts'

/** Seconds each long-poll may be held when the server has no event stream; under the usual 30 s proxy timeouts. */
const WAIT_SECONDS = 25

/**
 * Every message of a run after `after`, and the pieces of replies being generated, until the run
 * has finished: over the event stream (`streamMessages`, which resumes itself after a dropped
 * connection), or over the long-poll (`messages`) from the last message seen when the server has
 * no stream (a 404 that is not about the run). Aborting `signal` ends it with the signal's reason.
 */
export async function* followRun(client: ParleyClient, runId: string, after: number, signal: AbortSignal): AsyncGenerator<RunItem> {
  let cursor = after
  try {
    for await (const item of client.streamMessages(runId, { after, signal, deltas: true })) {
      if (item.type !== 'text_delta') cursor = item.seq
      yield item
    }
    return
  } catch (error) {
    if (!isMissingStream(error)) throw error
  }
  yield* client.messages(runId, { after: cursor, signal, wait: WAIT_SECONDS })
}

/** A 404 for the stream's route itself (a server older than it), not for the run. */
function isMissingStream(error: unknown): boolean {
  return error instanceof ParleyApiError && error.status === 404 && error.problem?.code !== 'run_not_found'
}
