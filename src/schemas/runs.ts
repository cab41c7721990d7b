import { z } from '@hono/zod-openapi'
import { EXAMPLE_CURSOR, EXAMPLE_IDEMPOTENCY_KEY, EXAMPLE_RUN_ID } from './examples.ts'
import { AnswerSchema, ErrorContentSchema, MessageSchema, QuestionSchema, TextDeltaSchema } from './messages.ts'

export const RUN_STATUSES = ['queued', 'running', 'awaiting_input', 'completed', 'failed', 'cancelled'] as const
export const FINISHED_STATUSES = ['completed', 'failed', 'cancelled'] as const

export const RunStatusSchema = z.enum(RUN_STATUSES).openapi('RunStatus', {
  description: 'queued → running ⇄ awaiting_input → completed | failed | cancelled',
})

export const UsageSchema = z
  .object({
    prompt_tokens: z.int().min(0),
    completion_tokens: z.int().min(0),
    total_tokens: z.int().min(0),
  })
  .openapi('Usage', { description: 'LLM tokens the run has used so far' })

export const RunSchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    status: RunStatusSchema,
    params: z.record(z.string(), z.unknown()).describe('The validated params, defaults applied'),
    result: z.string().nullable().describe('Set when the run completed'),
    error: z.union([ErrorContentSchema, z.null()]).describe('Set when the run failed'),
    pending_question: z.union([QuestionSchema, z.null()]).describe('The question the run is waiting on, if any'),
    last_seq: z.int().min(0).describe('seq of the newest message (0 before the first)'),
    usage: UsageSchema,
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
  })
  .openapi('Run')

export const RunListSchema = z
  .object({
    runs: z.array(RunSchema),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  })
  .openapi('RunList')

export const ParamsObjectSchema = z.record(z.string(), z.unknown())

export const CreateRunBodySchema = z
  .strictObject({
    workflow: z.string().min(1).describe('Name of a registered workflow'),
    params: ParamsObjectSchema.optional().describe(
      'Validated against the workflow’s params schema (see `getWorkflow`); omitted means `{}`, every param its default',
    ),
  })
  .openapi('CreateRunRequest', { description: 'Which workflow to run, with what params' })

export const RunIdParamSchema = z.object({
  run_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'run_id', in: 'path', description: 'The run’s `id`', example: EXAMPLE_RUN_ID } }),
})

export const IdempotencyHeaderSchema = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({
      param: {
        name: 'idempotency-key',
        in: 'header',
        description: 'Retry-safe creation: the same key and body return the same run instead of starting another',
        example: EXAMPLE_IDEMPOTENCY_KEY,
      },
    }),
})

/**
 * A number in the query string. zod coerces the text; the OpenAPI schema is spelled out because
 * the generator cannot see through `z.coerce` (it would say `integer | null` and drop the bounds).
 */
export function queryNumber(
  name: string,
  spec: { integer: boolean; min: number; max?: number; default: number; description: string; example: number },
) {
  let schema = spec.integer ? z.coerce.number().int().min(spec.min) : z.coerce.number().min(spec.min)
  if (spec.max !== undefined) schema = schema.max(spec.max)
  const openapi = {
    param: { name, in: 'query' as const, description: spec.description, example: spec.example },
    type: spec.integer ? ('integer' as const) : ('number' as const),
    minimum: spec.min,
    ...(spec.max === undefined ? {} : { maximum: spec.max }),
    default: spec.default,
  }
  return schema.default(spec.default).openapi(openapi)
}

/** The `cursor` query param of a listing that pages newest first (`next_cursor` of the page before). */
export function cursorQuery() {
  return z
    .string()
    .optional()
    .openapi({
      param: {
        name: 'cursor',
        in: 'query',
        description: 'The `next_cursor` of the previous page; omit for the first page',
        example: EXAMPLE_CURSOR,
      },
    })
}

export const ListRunsQuerySchema = z.object({
  status: RunStatusSchema.optional().openapi({
    param: { name: 'status', in: 'query', description: 'Only runs with this status', example: 'awaiting_input' },
  }),
  workflow: z
    .string()
    .optional()
    .openapi({ param: { name: 'workflow', in: 'query', description: 'Only runs of this workflow', example: 'greet' } }),
  limit: queryNumber('limit', { integer: true, min: 1, max: 100, default: 20, description: 'Runs per page', example: 20 }),
  cursor: cursorQuery(),
})

export const MAX_WAIT_SECONDS = 60
export const MAX_MESSAGES_PER_PAGE = 1000

export const ListMessagesQuerySchema = z.object({
  after: queryNumber('after', {
    integer: true,
    min: 0,
    default: 0,
    description: 'Return messages with seq greater than this: the `next_after` of the previous page',
    example: 2,
  }),
  wait: queryNumber('wait', {
    integer: false,
    min: 0,
    max: MAX_WAIT_SECONDS,
    default: 0,
    description: `Seconds to hold the request when there is nothing new and the run is active (0–${MAX_WAIT_SECONDS})`,
    example: 30,
  }),
  limit: queryNumber('limit', {
    integer: true,
    min: 1,
    max: MAX_MESSAGES_PER_PAGE,
    default: 100,
    description:
      'Most messages to return. A page also stops at the server’s byte budget (4 MiB of message JSON by default), ' +
      'so it may hold fewer; it always holds at least one message when one is after the cursor',
    example: 100,
  }),
  deltas: z
    .enum(['true', 'false'])
    .default('false')
    .openapi({
      param: {
        name: 'deltas',
        in: 'query',
        description:
          '`true`: the page also carries `deltas`, the text of agent replies being generated right now (not stored), ' +
          'and a held poll answers as soon as more of it arrives',
        example: 'true',
      },
    }),
  deltas_seen: queryNumber('deltas_seen', {
    integer: true,
    min: 0,
    default: 0,
    description:
      'With `deltas=true`: how many `deltas` the previous page had, when polling again from the same `after`. ' +
      'A poll that would wait answers at once when the server has other deltas than that, so none is missed between two polls',
    example: 4,
  }),
})

export const MessagePageSchema = z
  .object({
    messages: z.array(MessageSchema),
    next_after: z.int().min(0).describe('The cursor to send as `after` next time'),
    run_status: RunStatusSchema,
    last_seq: z.int().min(0).describe('seq of the run’s newest message; more are waiting when it exceeds next_after'),
    deltas: z
      .array(TextDeltaSchema)
      .optional()
      .describe(
        'Only with `deltas=true`, and only on a page that reaches the end of the log: every delta so far of each reply ' +
          'being generated after `next_after`, in order. Live, never stored: the complete `text_message` (whose `id` is ' +
          'their `message_ref`) replaces them in the log',
      ),
  })
  .openapi('MessagePage')

export const ReplyBodySchema = z
  .strictObject({
    question_id: z.string().min(1).describe('The `id` of the pending question (`pending_question.id`)'),
    answer: AnswerSchema,
  })
  .openapi('ReplyRequest', { description: 'An answer to the run’s pending question' })

export type Run = z.infer<typeof RunSchema>
export type RunStatus = z.infer<typeof RunStatusSchema>
export type Usage = z.infer<typeof UsageSchema>
export type MessagePage = z.infer<typeof MessagePageSchema>

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  }
}

export function isFinished(status: RunStatus): boolean {
  return (FINISHED_STATUSES as readonly string[]).includes(status)
}
