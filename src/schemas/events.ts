import { z } from '@hono/zod-openapi'
import { EXAMPLE_MESSAGE_PAGE, EXAMPLE_REPLY } from './examples.ts'

const EXAMPLE_DELTA_REF = '7d0a9c4e-2f6b-4f1e-9a53-3c8b5e1d2a40'

import { queryNumber } from './runs.ts'

/** Bounds of `heartbeat` (seconds): often enough for the usual 30–60 s proxy idle timeouts, never a busy loop. */
export const MIN_HEARTBEAT_SECONDS = 1
export const MAX_HEARTBEAT_SECONDS = 60
export const DEFAULT_HEARTBEAT_SECONDS = 15

export const StreamRunEventsQuerySchema = z.object({
  after: queryNumber('after', {
    integer: true,
    min: 0,
    default: 0,
    description: 'Stream the messages with seq greater than this. A `Last-Event-ID` header, when sent, wins over it',
    example: 2,
  }),
  heartbeat: queryNumber('heartbeat', {
    integer: false,
    min: MIN_HEARTBEAT_SECONDS,
    max: MAX_HEARTBEAT_SECONDS,
    default: DEFAULT_HEARTBEAT_SECONDS,
    description:
      `Seconds without a message after which the server sends a heartbeat comment (\`: heartbeat\`), ` +
      `so that proxies do not close an idle stream (${MIN_HEARTBEAT_SECONDS}–${MAX_HEARTBEAT_SECONDS})`,
    example: DEFAULT_HEARTBEAT_SECONDS,
  }),
})

export const LastEventIdHeaderSchema = z.object({
  'last-event-id': z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({
      param: {
        name: 'last-event-id',
        in: 'header',
        description:
          'The `id` (a message’s `seq`) of the last event received, as an `EventSource` sends it when it reconnects: ' +
          'the stream resumes after it. Wins over `after`',
        example: 2,
      },
      type: 'integer',
      minimum: 0,
    }),
})

const frame = (message: { seq: number }) => `event: message\nid: ${message.seq}\ndata: ${JSON.stringify(message)}\n\n`

const deltaFrame = (delta: object) => `event: text_delta\ndata: ${JSON.stringify(delta)}\n\n`

/** The first events of the example run's stream, a heartbeat, the reply, and the start of an agent's answer. */
export const EXAMPLE_EVENT_STREAM =
  `${EXAMPLE_MESSAGE_PAGE.messages.map(frame).join('')}: heartbeat\n\n${frame(EXAMPLE_REPLY)}` +
  deltaFrame({ type: 'text_delta', message_ref: EXAMPLE_DELTA_REF, index: 0, delta: 'Hello, ', sender: 'greeter', recipient: 'user' }) +
  deltaFrame({ type: 'text_delta', message_ref: EXAMPLE_DELTA_REF, index: 1, delta: 'Ada!', sender: 'greeter', recipient: 'user' })

export const MessageEventStreamSchema = z.string().openapi('MessageEventStream', {
  description:
    'A stream of Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html). ' +
    'Each message of the run’s log is one event: `event: message`, `id:` the message’s `seq`, and one `data:` line ' +
    'holding the message as JSON, exactly as `listMessages` returns it (a `Message`), then an empty line. ' +
    'Lines starting with `:` are comments (`: heartbeat`, sent when nothing else was for `heartbeat` seconds); ' +
    'a client ignores them. Messages come in `seq` order, each once; the stream ends after `workflow_completed`, ' +
    'the last message of a finished run. While an agent’s reply is generated, its text arrives as it grows: ' +
    '`event: text_delta` with no `id:` (a resume is by messages only) and one `data:` line holding a `TextDelta`. ' +
    'Deltas are live, never stored, and always follow the message they come after; the complete `text_message` whose ' +
    '`id` is their `message_ref` replaces them. A client that does not know an event’s name skips it.',
  example: EXAMPLE_EVENT_STREAM,
})
