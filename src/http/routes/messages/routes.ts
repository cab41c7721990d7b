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
    'time: following it, no message is ever skipped or repeated, across reconnects and restarts.',
  request: { params: RunIdParamSchema, query: ListMessagesQuerySchema },
  responses: {
    200: {
      description: 'The messages after the cursor (possibly none), the next cursor and the run’s status',
      content: { 'application/json': { schema: MessagePageSchema, example: EXAMPLE_MESSAGE_PAGE } },
    },
    ...problemResponses(401, 404, 422, 503),
  },
})
