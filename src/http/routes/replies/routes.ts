import { createRoute } from '@hono/zod-openapi'
import { EXAMPLE_QUESTION_ID, EXAMPLE_REPLY } from '../../../schemas/examples.ts'
import { ReplyMessageSchema } from '../../../schemas/messages.ts'
import { ReplyBodySchema, RunIdParamSchema } from '../../../schemas/runs.ts'
import { requireJsonBody } from '../../middleware/json-body.ts'
import { problemResponses } from '../../responses.ts'

const replyJson = { 'application/json': { schema: ReplyMessageSchema, example: EXAMPLE_REPLY } }

export const replyToQuestionRoute = createRoute({
  method: 'post',
  path: '/v1/runs/{run_id}/replies',
  operationId: 'replyToQuestion',
  tags: ['messages'],
  summary: 'Answer the run’s pending question',
  description:
    'The answer is validated against the question: text input takes a string, single choice one of `choices`, ' +
    'multi-select a list drawn from `choices`. Sending the identical reply again returns the recorded reply (200) ' +
    'without recording a second one; any other reply to a question that is not pending is 409 ' +
    '(`question_not_pending`), and a reply after the question’s `expires_at` is 409 `question_expired`. ' +
    'An answer larger than a message may be (256 KiB of JSON by default) is 422 `answer_invalid` naming `body.answer`. ' +
    'The run’s owner may answer, and so may the users the question names in `assignees` (who see nothing else of the ' +
    'run: to them every other operation on it is 404); the reply records who answered in `answered_by`.',
  middleware: [requireJsonBody] as const,
  request: {
    params: RunIdParamSchema,
    body: {
      required: true,
      content: { 'application/json': { schema: ReplyBodySchema, example: { question_id: EXAMPLE_QUESTION_ID, answer: 'Ada' } } },
    },
  },
  responses: {
    201: { description: 'The reply was recorded; the run continues', content: replyJson },
    200: { description: 'This exact reply was already recorded', content: replyJson },
    ...problemResponses(400, 401, 404, 409, 413, 415, 422, 503),
  },
})
