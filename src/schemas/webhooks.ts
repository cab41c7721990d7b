import { z } from '@hono/zod-openapi'
import { InboxItemSchema } from './questions.ts'
import { cursorQuery, queryNumber, RunSchema } from './runs.ts'

/** What a webhook may subscribe to. */
export const WEBHOOK_EVENT_TYPES = ['question.created', 'question.closed', 'run.finished'] as const

export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).openapi('WebhookEventType', {
  description:
    '`question.created`: a question was asked of you (your run’s, or one naming you among its `assignees`); ' +
    '`question.closed`: such a question stopped taking replies (answered, expired, or its run ended); ' +
    '`run.finished`: one of your runs completed, failed or was cancelled',
})

/** Webhooks one user may have at once. */
export const MAX_WEBHOOKS_PER_USER = 20

/** `whsec_` and base64 (its padding may be left off): the Standard Webhooks secret format. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/

/**
 * Whether the base64 after `whsec_` decodes, exactly, to 24–64 bytes: a length base64 cannot have
 * (33 characters) is refused, not quietly decoded to fewer bytes than the sender meant.
 */
function isSecretKey(secret: string): boolean {
  const encoded = secret.slice('whsec_'.length).replace(/=+$/, '')
  if (encoded.length % 4 === 1) return false
  const bytes = Buffer.from(encoded, 'base64')
  return bytes.length >= 24 && bytes.length <= 64 && bytes.toString('base64').replace(/=+$/, '') === encoded
}

export const CreateWebhookBodySchema = z
  .strictObject({
    url: z
      .string()
      .max(2048)
      .describe(
        'An `https://` (or `http://`) URL the server POSTs each event to. Loopback, private, link-local and other ' +
          'non-public addresses are refused, at registration and at every delivery, unless the server allows them ' +
          '(`PARLEY_WEBHOOK_ALLOW_PRIVATE=1`)',
      )
      .openapi({ example: 'https://hooks.example.com/parley' }),
    events: z
      .array(WebhookEventTypeSchema)
      .min(1)
      .refine((events) => new Set(events).size === events.length, 'Each event type at most once')
      .describe('The event types to deliver'),
    secret: z
      .string()
      .regex(WEBHOOK_SECRET_PATTERN, { message: 'A secret is `whsec_` followed by the base64 of 24 to 64 bytes', abort: true })
      .refine(isSecretKey, 'A secret is `whsec_` followed by the base64 of 24 to 64 bytes')
      .optional()
      .describe('The signing secret (`whsec_…`, Standard Webhooks format); the server makes one when omitted'),
    description: z.string().max(200).optional().describe('Your note of what it is for'),
  })
  .openapi('CreateWebhookRequest')

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(WebhookEventTypeSchema),
    description: z.string().nullable(),
    created_at: z.iso.datetime(),
  })
  .openapi('Webhook', { description: 'A URL your events are delivered to; its secret is shown only when it is created' })

export const CreatedWebhookSchema = WebhookSchema.extend({
  secret: z.string().describe('The signing secret: shown this once, keep it (delete and register again to change it)'),
}).openapi('CreatedWebhook')

export const WebhookListSchema = z
  .object({ webhooks: z.array(WebhookSchema).describe(`Oldest first; at most ${MAX_WEBHOOKS_PER_USER}`) })
  .openapi('WebhookList')

export const WebhookIdParamSchema = z.object({
  webhook_id: z
    .string()
    .min(1)
    .openapi({
      param: { name: 'webhook_id', in: 'path', description: 'The webhook’s `id`', example: 'c0ffee00-1d2e-4f3a-9b8c-7d6e5f4a3b2c' },
    }),
})

const envelope = {
  id: z.string().describe('The event’s id: the same on every attempt (and the `webhook-id` header); deduplicate on it'),
  timestamp: z.iso.datetime().describe('When the event happened'),
}

export const QuestionEventSchema = z
  .object({
    ...envelope,
    type: z.enum(['question.created', 'question.closed']),
    data: InboxItemSchema.describe('The question as your inbox lists it, in its state at the event'),
  })
  .openapi('QuestionEvent')

export const RunFinishedEventSchema = z
  .object({
    ...envelope,
    type: z.literal('run.finished'),
    data: RunSchema.describe('The run as it finished'),
  })
  .openapi('RunFinishedEvent')

export const WebhookEventSchema = z
  .discriminatedUnion('type', [QuestionEventSchema, RunFinishedEventSchema])
  .openapi('WebhookEvent', { description: 'The body of a webhook delivery' })

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const

export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES).openapi('WebhookDeliveryStatus', {
  description:
    '`pending`: not delivered yet (waiting for its turn or its next attempt); `delivered`: a 2xx came back; `failed`: every attempt failed',
})

export const DeliveryAttemptSchema = z
  .object({
    at: z.iso.datetime(),
    status_code: z.int().nullable().describe('The receiver’s HTTP status; null when no response came'),
    error: z.string().nullable().describe('Why it failed; null for a 2xx'),
    duration_ms: z.int().min(0),
  })
  .openapi('WebhookDeliveryAttempt')

export const WebhookDeliverySchema = z
  .object({
    id: z.string(),
    event: WebhookEventSchema,
    status: DeliveryStatusSchema,
    attempts: z.array(DeliveryAttemptSchema).describe('Oldest first'),
    next_attempt_at: z.iso.datetime().nullable().describe('When it is tried next; null once delivered or failed'),
    created_at: z.iso.datetime(),
  })
  .openapi('WebhookDelivery')

export const DeliveryListSchema = z
  .object({
    deliveries: z.array(WebhookDeliverySchema).describe('Newest first'),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  })
  .openapi('WebhookDeliveryList')

export const ListDeliveriesQuerySchema = z.object({
  status: DeliveryStatusSchema.optional().openapi({
    param: { name: 'status', in: 'query', description: 'Only deliveries in this state', example: 'failed' },
  }),
  limit: queryNumber('limit', { integer: true, min: 1, max: 100, default: 20, description: 'Deliveries per page', example: 20 }),
  cursor: cursorQuery(),
})

const header = (name: string, description: string) => z.string().openapi({ param: { name, in: 'header', required: true, description } })

/** The headers of every delivery attempt. */
export const SignatureHeadersSchema = z.object({
  'Parley-Id': header('Parley-Id', 'The event’s id (the body’s `id`): the same on every attempt; deduplicate on it'),
  'Parley-Timestamp': header(
    'Parley-Timestamp',
    'When this attempt was sent, in seconds since the epoch: refuse one much older than now (5 minutes is usual)',
  ),
  'Parley-Signature': header(
    'Parley-Signature',
    '`v1,` and the base64 HMAC-SHA256 of `{Parley-Id}.{Parley-Timestamp}.{body}`, keyed with the base64-decoded part of ' +
      'the secret after `whsec_`. The same three values are also sent as `webhook-id`, `webhook-timestamp` and ' +
      '`webhook-signature`, so any Standard Webhooks library verifies them',
  ),
})

export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>
export type Webhook = z.infer<typeof WebhookSchema>
export type WebhookEvent = z.infer<typeof WebhookEventSchema>
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>
