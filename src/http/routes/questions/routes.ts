import { createRoute } from '@hono/zod-openapi'
import { EXAMPLE_CURSOR, EXAMPLE_WAITING_RUN } from '../../../schemas/examples.ts'
import { ListQuestionsQuerySchema, QuestionListSchema } from '../../../schemas/questions.ts'
import { problemResponses } from '../../responses.ts'

const question = EXAMPLE_WAITING_RUN.pending_question

export const listQuestionsRoute = createRoute({
  method: 'get',
  path: '/v1/questions',
  operationId: 'listQuestions',
  tags: ['questions'],
  summary: 'Your inbox: the questions you may answer, across runs, newest first',
  description:
    'The questions of your runs and those a workflow addressed to you (`assignees`), across all runs, each with its ' +
    'run’s summary and deadline; filter by `status` (default `pending`), `workflow` and `run_id`, and follow ' +
    '`next_cursor`. Answer one with `replyToQuestion` on its run, whoever started it. With `wait`, an empty first page ' +
    'is held until a question is asked of you (a long-poll: one request for every run), and counts among your held polls.',
  request: { query: ListQuestionsQuerySchema },
  responses: {
    200: {
      description: 'A page of questions',
      content: {
        'application/json': {
          schema: QuestionListSchema,
          example: {
            questions: question
              ? [
                  {
                    question,
                    status: 'pending',
                    run: {
                      id: EXAMPLE_WAITING_RUN.id,
                      workflow: EXAMPLE_WAITING_RUN.workflow,
                      status: EXAMPLE_WAITING_RUN.status,
                      created_at: EXAMPLE_WAITING_RUN.created_at,
                    },
                    expires_at: null,
                    mine: true,
                  },
                ]
              : [],
            next_cursor: EXAMPLE_CURSOR,
          },
        },
      },
    },
    ...problemResponses(401, 422, 429, 503),
  },
})
