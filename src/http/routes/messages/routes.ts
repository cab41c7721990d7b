import { createRoute } from '@hono/zod-openapi'
import { EXAMPLE_MESSAGE_PAGE } from '../../../schemas/examples.ts'
import { ListMessagesQuerySchema, MAX_WAIT_SECONDS, MessagePageSchema, RunIdParamSchema } from '../../../schemas/runs.ts'
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
    'A user may hold only so many polls waiting at once (100 by default): one more that would wait is answered ' +
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
