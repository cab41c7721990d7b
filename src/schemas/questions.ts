import { z } from '@hono/zod-openapi'
import { QuestionSchema } from './messages.ts'
import { cursorQuery, MAX_WAIT_SECONDS, queryNumber, RunStatusSchema } from './runs.ts'

export const QUESTION_STATUSES = ['pending', 'answered', 'expired', 'cancelled'] as const

export const QuestionStatusSchema = z.enum(QUESTION_STATUSES).openapi('QuestionStatus', {
  description:
    '`pending`: waiting for a reply; `answered`; `expired`: its deadline passed; `cancelled`: its run ended (cancelled, failed) first',
})

export const ListQuestionsQuerySchema = z.object({
  status: QuestionStatusSchema.default('pending').openapi({
    param: { name: 'status', in: 'query', description: 'Only questions in this state (default `pending`)', example: 'pending' },
  }),
  workflow: z
    .string()
    .optional()
    .openapi({ param: { name: 'workflow', in: 'query', description: 'Only questions of runs of this workflow', example: 'approval' } }),
  run_id: z
    .string()
    .optional()
    .openapi({
      param: { name: 'run_id', in: 'query', description: 'Only questions of this run', example: '01a2b3c4-0000-7000-8000-000000000000' },
    }),
  limit: queryNumber('limit', { integer: true, min: 1, max: 100, default: 20, description: 'Questions per page', example: 20 }),
  cursor: cursorQuery(),
  wait: queryNumber('wait', {
    integer: false,
    min: 0,
    max: MAX_WAIT_SECONDS,
    default: 0,
    description:
      `On the first page (no cursor), seconds to hold the request while it would be empty: it answers as soon as a ` +
      `question the caller may answer is asked (0–${MAX_WAIT_SECONDS})`,
    example: 30,
  }),
})

export const RunSummarySchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    status: RunStatusSchema,
    created_at: z.iso.datetime(),
  })
  .openapi('RunSummary', { description: 'What someone asked a question may see of its run' })

export const InboxItemSchema = z
  .object({
    question: QuestionSchema,
    status: QuestionStatusSchema,
    run: RunSummarySchema,
    expires_at: z.iso.datetime().nullable().describe('When the question stops taking replies; null without a deadline'),
    mine: z.boolean().describe('True when the caller started the run (and may read its log); false for a question assigned to them'),
  })
  .openapi('InboxItem')

export const QuestionListSchema = z
  .object({
    questions: z.array(InboxItemSchema).describe('Newest first'),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  })
  .openapi('QuestionList')

export type InboxItem = z.infer<typeof InboxItemSchema>
export type QuestionStatus = z.infer<typeof QuestionStatusSchema>
