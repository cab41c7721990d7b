import type { RouteHandler } from '@hono/zod-openapi'
import { streamSSE } from 'hono/streaming'
import { ParleyError } from '../../../runtime/errors.ts'
import type { MessagePageData } from '../../../runtime/long-poll.ts'
import type { RunManager } from '../../../runtime/run-manager.ts'
import type { Message, TextDelta } from '../../../schemas/messages.ts'
import { StoreUnavailableError } from '../../../store/store.ts'
import type { AppEnv } from '../../app-env.ts'
import { clientGone } from '../../client-gone.ts'
import { canDetach, detach } from '../../detached-answer.ts'
import type { Poll } from '../../held-poll.ts'
import { answerPoll } from '../../held-poll.ts'
import type { listMessagesRoute, streamRunEventsRoute } from './routes.ts'

export const listMessages: RouteHandler<typeof listMessagesRoute, AppEnv> = (c) => {
  const { run_id: runId } = c.req.valid('param')
  const query = c.req.valid('query')
  const { runs, userId } = c.var
  const poll: Poll<PolledPage> = (clientGone) =>
    runs.pollMessages(userId, runId, {
      after: query.after,
      limit: query.limit,
      waitMs: query.wait * 1000,
      deltas: query.deltas === 'true',
      deltasSeen: query.deltas_seen,
      // Asked only if the poll waits: a poll answered at once never listens.
      clientGone,
    })
  const body = (page: PolledPage) => pageBody(page, query.after)
  return answerPoll(c, poll, (context, page) => context.json(body(page), 200), body)
}

type PolledPage = MessagePageData & { deltas?: TextDelta[] }

/** A `MessagePage`: the page and the cursor to send next. */
function pageBody(page: MessagePageData & { deltas?: TextDelta[] }, after: number) {
  const last = page.messages.at(-1)
  return {
    messages: page.messages,
    next_after: last ? last.seq : Math.min(after, page.last_seq),
    run_status: page.status,
    last_seq: page.last_seq,
    ...(page.deltas === undefined ? {} : { deltas: page.deltas }),
  }
}

export const streamRunEvents: RouteHandler<typeof streamRunEventsRoute, AppEnv> = async (c) => {
  const { run_id: runId } = c.req.valid('param')
  const query = c.req.valid('query')
  const lastEventId = c.req.valid('header')['last-event-id']
  // The client's departure from the Node response (client-gone.ts), not `c.req.raw.signal`, which
  // would build a whole fetch Request for every stream to keep for as long as it lasts.
  const departure = new AbortController()
  const stopListening = clientGone(c)(() => departure.abort())
  const pages = c.var.runs.streamMessages(c.var.userId, runId, {
    after: lastEventId ?? query.after,
    heartbeatMs: query.heartbeat * 1000,
    signal: departure.signal,
  })
  // Everything that can refuse the stream (no such run, too many held) happens in its first step,
  // before the first byte: the client gets a problem response, never an error inside a 200.
  const first = await pages.next().catch((error: unknown) => {
    stopListening()
    throw error
  })
  const events: EventsToSend = { runs: c.var.runs, runId, pages, first, from: lastEventId ?? query.after, stopListening }
  if (c.req.method === 'HEAD') {
    // HEAD is answered without a body, so nothing would ever end the stream: it ends here.
    await letGo(events)
    return c.body(null, 200, EVENT_STREAM_HEADERS)
  }
  if (canDetach(c)) {
    // Served over Node: the stream lets go of the chain, and is written on the Node response.
    const { answer, endChain } = detach(c)
    answer
      .stream(200, EVENT_STREAM_HEADERS)
      // No stream when the client left (or the chain answered) first: only let go.
      .then((stream) => (stream ? sendEvents(stream, events) : letGo(events)))
      .catch((error: unknown) => console.error('parley: event stream of run', runId, 'ended by', error))
    return endChain as never
  }
  c.header('X-Accel-Buffering', 'no')
  return streamSSE(c, (stream) =>
    sendEvents(
      {
        write: (text) => stream.write(text),
        get closed() {
          return stream.aborted
        },
      },
      events,
    ),
  )
}

/** What Hono's `streamSSE` sends, and the word to proxies (nginx) not to buffer the stream. */
const EVENT_STREAM_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' }

/** Where an event stream's text goes: Hono's SSE stream, or the Node response once detached (`DetachedStream`). */
interface EventSink {
  write(text: string): Promise<unknown>
  readonly closed: boolean
  /** Ends the response; Hono's stream ends by itself when `sendEvents` returns. */
  end?(): void
}

interface EventsToSend {
  runs: RunManager
  runId: string
  pages: AsyncGenerator<MessagePageData, void, undefined>
  first: IteratorResult<MessagePageData, void>
  /** The cursor the stream began from, where live text starts when the first page is empty. */
  from: number
  stopListening: () => void
}

/**
 * Sends a run's log as events until it ends (the run finished and sent, the client gone, the
 * server stopping), with the live text of its replies between; then lets go of everything.
 */
async function sendEvents(sink: EventSink, events: EventsToSend): Promise<void> {
  const { runs, runId, pages, first, from } = events
  // Pages and live text share one stream: writes are chained, so none interleave.
  let writing: Promise<unknown> = Promise.resolve()
  const write = (text: string) => {
    writing = writing.then(() => (sink.closed ? undefined : sink.write(text))).catch(() => undefined)
    return writing
  }
  const relay = runs.relayDeltas(runId, (deltas) => void write(deltas.map(deltaEvent).join('')))
  try {
    for (let step = first; !step.done && !sink.closed; step = await pages.next()) {
      const page = step.value
      const through = page.messages.at(-1)?.seq
      // One write per page: a burst of messages leaves in one chunk. The first page may be
      // empty (nothing after the cursor yet); every later empty one is a heartbeat's due.
      if (page.messages.length > 0) await write(page.messages.map(messageEvent).join(''))
      else if (step !== first) await write(': heartbeat\n\n')
      if (step === first) relay.start(through ?? from)
      else if (through !== undefined) relay.sent(through)
    }
  } catch (error) {
    // The run went away meanwhile (retention) or the store failed mid-stream: the response has
    // begun, so all that is left is to end it; the client resumes from its last id.
    if (!(error instanceof ParleyError || error instanceof StoreUnavailableError)) {
      console.error('parley: event stream of run', runId, 'ended by', error)
    }
  } finally {
    relay.stop()
    await letGo(events)
    await writing
    sink.end?.()
  }
}

/** Ends the stream's pages (its held place given back) and stops listening for the client. */
async function letGo({ pages, stopListening }: EventsToSend): Promise<void> {
  await pages.return()
  stopListening()
}

/** A piece of a reply being generated, as an SSE event: no `id`, so a resume is by messages alone. */
function deltaEvent(delta: TextDelta): string {
  return `event: text_delta\ndata: ${JSON.stringify(delta)}\n\n`
}

/** One message as an SSE event (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation): its JSON is one line. */
function messageEvent(message: Message): string {
  return `event: message\nid: ${message.seq}\ndata: ${JSON.stringify(message)}\n\n`
}
