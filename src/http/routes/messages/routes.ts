import { createRoute } from '@hono/zod-openapi'
import {
  EXAMPLE_EVENT_STREAM,
  LastEventIdHeaderSchema,
  MessageEventStreamSchema,
  StreamRunEventsQuerySchema,
} from '../../../schemas/events.ts'
import { EXAMPLE_MESSAGE_PAGE } from '../../../schemas/examples.ts'
import { ListMessagesQuerySchema, MAX_WAIT_SECONDS, MessagePageSchema, RunIdParamSchema } from '../../../schemas/runs.ts'
import type { HeaderObject } from '../../responses.ts'
import { problemResponses } from '../../responses.ts'

export const listMessagesRoute = createRoute({
  method: 'get',
  path: '/v1/runs/{run_id}/messages',
  operationId: 'listMessages',
  tags: ['messages'],
  summary: 'Read a run’s messages (long-poll)',
  description:
    'Returns at once with the messages whose `seq` is greater than `after` (up to `limit`) when there are any, ' +
    `or at once with none when the run has finished. Otherwise holds the request until a message arrives or \`wait\` ` +
    `seconds (at most ${MAX_WAIT_SECONDS}) pass, then answers with an empty list. Send \`next_after\` as \`after\` next ` +
    'time: following it, no message is ever skipped or repeated, across reconnects and restarts. ' +
    'A page holds at most `limit` messages and at most the server’s byte budget of them (4 MiB of message JSON by ' +
    'default, `PARLEY_MAX_PAGE_BYTES`), but always at least one: fewer messages than `limit` does not mean the log ' +
    'has ended — `last_seq` greater than `next_after` says more are waiting. ' +
    'A user may hold only so many polls waiting (and event streams open) at once (100 by default): one more that would wait is answered ' +
    '429 `too_many_held_polls`, with `Retry-After` at the end of the soonest of them.',
  request: { params: RunIdParamSchema, query: ListMessagesQuerySchema },
  responses: {
    200: {
      description: 'The messages after the cursor (possibly none), the next cursor and the run’s status',
      content: { 'application/json': { schema: MessagePageSchema, example: EXAMPLE_MESSAGE_PAGE } },
    },
    ...problemResponses(401, 404, 422, 429, 503),
  },
})

export const streamRunEventsRoute = createRoute({
  method: 'get',
  path: '/v1/runs/{run_id}/events',
  operationId: 'streamRunEvents',
  tags: ['messages'],
  summary: 'Stream a run’s messages (Server-Sent Events)',
  description:
    'The same log and cursor as `listMessages`, pushed as Server-Sent Events: every message after the cursor, then ' +
    'each new one as it is appended, as an event whose `id` is the message’s `seq` and whose `data` is the message ' +
    'JSON exactly as `listMessages` returns it. The cursor is the `Last-Event-ID` header when sent (an `EventSource` ' +
    'sends it when it reconnects), else `after`: resuming from the last `id` received, nothing is skipped or ' +
    'repeated. A heartbeat comment (`: heartbeat`) comes after `heartbeat` seconds without a message. The stream ' +
    'ends after `workflow_completed`, the last message of a finished run; for a run already finished it sends the ' +
    'rest of the log and ends. It also ends when the server stops: reconnect from the last `id`. ' +
    'Errors (an unknown run, a bad parameter, too many held) are problem responses sent instead of the stream, ' +
    'never in it. An open stream counts among the caller’s held long-polls (100 at once by default): one more is ' +
    'answered 429 `too_many_held_polls`. The long-poll stays the baseline every client can use; see `listMessages`.',
  request: { params: RunIdParamSchema, query: StreamRunEventsQuerySchema, headers: LastEventIdHeaderSchema },
  responses: {
    200: {
      description: 'The event stream: the run’s messages after the cursor, in `seq` order, until the run has finished',
      headers: {
        'Cache-Control': {
          description: 'An event stream is never cached',
          required: true,
          schema: { type: 'string' },
          example: 'no-cache',
        },
        'X-Accel-Buffering': {
          description: 'Asks a buffering reverse proxy (nginx) to pass each event on at once',
          required: true,
          schema: { type: 'string' },
          example: 'no',
        },
      } satisfies Record<string, HeaderObject>,
      content: { 'text/event-stream': { schema: MessageEventStreamSchema, example: EXAMPLE_EVENT_STREAM } },
    },
    ...problemResponses(401, 404, 422, 429, 503),
  },
})
