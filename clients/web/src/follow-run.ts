import type { PollPage } from '../../typescript/index.ts'
import { followPages, isFinished, pollMessages } from '../../typescript/index.ts'
import type { ApiSession, MessagePage, RunStatus, TextDelta } from './api.ts'

/** Seconds each long-poll may be held; under the usual 30 s proxy timeouts. */
const WAIT_SECONDS = 25

export interface FollowRunOptions {
  /** Follow from after this seq. */
  after: number
  /** The run's status when following begins (from `getRun`). */
  status: RunStatus
  signal: AbortSignal
  /** Each new message (or page of them), in seq order. */
  onPage(page: MessagePage): void
  /** The run's status as the server says it, when it is read apart from a page (the stream). */
  onStatus(status: RunStatus): void
  /** A piece of an agent's reply as it is written (over the stream only; the long-poll shows replies once whole). */
  onDelta(delta: TextDelta): void
  /** A failure that will be retried. */
  onRetry(error: unknown): void
}

/**
 * Follows a run's log until it has finished: over the event stream (`streamMessages`, on fetch, so
 * the API key goes in the `Authorization` header, which `EventSource` cannot send), and over the
 * long-poll when the server has no stream (a 404 from an older one) or it keeps failing, from the
 * last message seen. Rejects with what could not be retried (a 4xx of the long-poll, say).
 */
export async function followRun(session: ApiSession, runId: string, options: FollowRunOptions): Promise<void> {
  let after = options.after
  const onPage = (page: MessagePage) => {
    after = Math.max(after, page.messages.at(-1)?.seq ?? after)
    options.onPage(page)
  }
  try {
    await followStream(session, runId, { ...options, after, onPage })
  } catch (error) {
    if (options.signal.aborted) throw error
    await followPolls(session, runId, { ...options, after, onPage })
  }
}

/**
 * The stream's events are messages alone: the run's status is read again (`getRun`) as they come,
 * one read at a time, and once more at the end.
 */
async function followStream(session: ApiSession, runId: string, options: FollowRunOptions): Promise<void> {
  const { signal } = options
  // A finished status read while the stream is still bringing the log's last messages waits for
  // them: the page shows "failed" or "cancelled" with the messages that say why, as the long-poll does.
  let logComplete = false
  const refreshStatus = statusReader(session, runId, signal, (read) => {
    if (isFinished(read) && !logComplete) return
    status = read
    options.onStatus(read)
  })
  let status = options.status
  const items = session.client.streamMessages(runId, { after: options.after, signal, retries: 3, onRetry: options.onRetry, deltas: true })
  for await (const message of items) {
    if (message.type === 'text_delta') {
      options.onDelta(message)
      continue
    }
    options.onPage({ messages: [message], run_status: status, next_after: message.seq, last_seq: message.seq })
    void refreshStatus()
  }
  logComplete = true
  await refreshStatus()
}

/** Reads the run's status and tells `onStatus`; a call while one is under way asks for one more read after it, not a second at once. */
function statusReader(
  session: ApiSession,
  runId: string,
  signal: AbortSignal,
  onStatus: (status: RunStatus) => void,
): () => Promise<RunStatus | undefined> {
  let reading: Promise<RunStatus | undefined> | undefined
  let again = false
  return () => {
    if (reading) {
      again = true
      return reading
    }
    reading = (async () => {
      let status: RunStatus | undefined
      do {
        again = false
        const read = await session.client.GET('/v1/runs/{run_id}', { params: { path: { run_id: runId } }, signal }).catch(() => undefined)
        if (read?.data) {
          status = read.data.status
          onStatus(status)
        }
      } while (again && !signal.aborted)
      return status
    })().finally(() => {
      reading = undefined
    })
    return reading
  }
}

/** The log by long-polling `listMessages`, page by page, each with the run's status. */
async function followPolls(session: ApiSession, runId: string, options: FollowRunOptions): Promise<void> {
  // `session.client` is read at each poll: a key entered meanwhile reconnects it.
  const poll: PollPage = (after, signal) => pollMessages(session.client, runId, WAIT_SECONDS)(after, signal)
  const pages = followPages(poll, {
    after: options.after,
    signal: options.signal,
    // A page stays open as long as the reader wants: keep reconnecting, every 10 s at most.
    retries: Number.POSITIVE_INFINITY,
    retryDelayMs: (failures) => Math.min(10_000, 250 * 2 ** Math.min(failures, 6)),
    onRetry: options.onRetry,
  })
  for await (const page of pages) options.onPage(page)
}
