import { createRoute } from '@hono/zod-openapi'
import { EXAMPLE_NEW_RUN, EXAMPLE_RUN_ID, EXAMPLE_WAITING_RUN } from '../../../schemas/examples.ts'
import {
  CreatedWebhookSchema,
  CreateWebhookBodySchema,
  DeliveryListSchema,
  ListDeliveriesQuerySchema,
  MAX_WEBHOOKS_PER_USER,
  QuestionEventSchema,
  RunFinishedEventSchema,
  SignatureHeadersSchema,
  WebhookIdParamSchema,
  WebhookListSchema,
  WebhookSchema,
} from '../../../schemas/webhooks.ts'
import type { HeaderObject } from '../../responses.ts'
import { problemResponses } from '../../responses.ts'

const EXAMPLE_WEBHOOK = {
  id: 'c0ffee00-1d2e-4f3a-9b8c-7d6e5f4a3b2c',
  url: 'https://hooks.example.com/parley',
  events: ['question.created' as const, 'run.finished' as const],
  description: 'Approvals channel',
  created_at: '2026-11-27T09:00:00.000Z',
}
const EXAMPLE_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3Q1Xa2uNfUs='
const question = EXAMPLE_WAITING_RUN.pending_question
const EXAMPLE_COMPLETED_RUN = {
  ...EXAMPLE_NEW_RUN,
  status: 'completed' as const,
  result: 'greeted Ada',
  last_seq: 7,
  updated_at: '2026-11-27T09:31:00.000Z',
  finished_at: '2026-11-27T09:31:00.000Z',
}
const EXAMPLE_QUESTION_EVENT = {
  id: '5b1f7c2e-9a64-4d0b-8f1e-2c7a9d3e4b10',
  type: 'question.created' as const,
  timestamp: '2026-11-27T09:30:00.000Z',
  data: {
    question,
    status: 'pending' as const,
    run: {
      id: EXAMPLE_RUN_ID,
      workflow: EXAMPLE_WAITING_RUN.workflow,
      status: 'awaiting_input' as const,
      created_at: EXAMPLE_WAITING_RUN.created_at,
    },
    expires_at: null,
    mine: true,
  },
}

export const createWebhookRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks',
  operationId: 'createWebhook',
  tags: ['webhooks'],
  summary: 'Register a webhook: a URL your events are POSTed to',
  description:
    'Events are delivered at least once, in order per run, signed (`Parley-Signature`, and the Standard Webhooks ' +
    '`webhook-signature`: HMAC-SHA256 with the secret over `{id}.{timestamp}.{body}`), and retried with backoff ' +
    'until a 2xx comes back. The secret is in this response only. See the `webhooks` section of this document for ' +
    `the bodies. At most ${MAX_WEBHOOKS_PER_USER} webhooks per user (409 \`too_many_webhooks\`).`,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: CreateWebhookBodySchema,
          example: { url: EXAMPLE_WEBHOOK.url, events: EXAMPLE_WEBHOOK.events, description: EXAMPLE_WEBHOOK.description },
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Registered; keep the secret',
      headers: {
        Location: {
          description: 'The webhook’s URL',
          required: true,
          schema: { type: 'string' },
          example: `/v1/webhooks/${EXAMPLE_WEBHOOK.id}`,
        },
      } satisfies Record<string, HeaderObject>,
      content: { 'application/json': { schema: CreatedWebhookSchema, example: { ...EXAMPLE_WEBHOOK, secret: EXAMPLE_SECRET } } },
    },
    ...problemResponses(400, 401, 409, 413, 415, 422, 503),
  },
})

export const listWebhooksRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks',
  operationId: 'listWebhooks',
  tags: ['webhooks'],
  summary: 'Your webhooks, oldest first',
  description: 'Every webhook you registered (without their secrets), with the events each receives.',
  responses: {
    200: {
      description: 'Your webhooks',
      content: { 'application/json': { schema: WebhookListSchema, example: { webhooks: [EXAMPLE_WEBHOOK] } } },
    },
    ...problemResponses(401, 503),
  },
})

export const getWebhookRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks/{webhook_id}',
  operationId: 'getWebhook',
  tags: ['webhooks'],
  summary: 'One of your webhooks',
  description: 'Its URL, events and description; another user’s webhook is 404, as a missing one.',
  request: { params: WebhookIdParamSchema },
  responses: {
    200: { description: 'The webhook', content: { 'application/json': { schema: WebhookSchema, example: EXAMPLE_WEBHOOK } } },
    ...problemResponses(401, 404, 503),
  },
})

export const deleteWebhookRoute = createRoute({
  method: 'delete',
  path: '/v1/webhooks/{webhook_id}',
  operationId: 'deleteWebhook',
  tags: ['webhooks'],
  summary: 'Delete a webhook',
  description:
    'Nothing more is sent to it, attempts under way included (their results are not recorded), and its deliveries are ' +
    'forgotten. Another user’s webhook is 404, as a missing one.',
  request: { params: WebhookIdParamSchema },
  responses: {
    204: { description: 'Deleted' },
    ...problemResponses(401, 404, 413, 503),
  },
})

export const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks/{webhook_id}/deliveries',
  operationId: 'listWebhookDeliveries',
  tags: ['webhooks'],
  summary: 'What was sent to a webhook and how each attempt went, newest first',
  description:
    'Each delivery is one event on its way to this webhook: its body, its state (`pending`, `delivered`, `failed`), every ' +
    'attempt (when, the status the receiver answered or why none came, how long it took) and when it is tried next. ' +
    'A delivery waits while an earlier one of the same run to this webhook is pending: events of a run arrive in order.',
  request: { params: WebhookIdParamSchema, query: ListDeliveriesQuerySchema },
  responses: {
    200: {
      description: 'A page of deliveries',
      content: {
        'application/json': {
          schema: DeliveryListSchema,
          example: {
            deliveries: [
              {
                id: '9d2c4e1a-7b3f-4c5d-8e6f-0a1b2c3d4e5f',
                event: EXAMPLE_QUESTION_EVENT,
                status: 'delivered',
                attempts: [
                  {
                    at: '2026-11-27T09:30:00.012Z',
                    status_code: 503,
                    error: 'the receiver answered 503 Service Unavailable',
                    duration_ms: 41,
                  },
                  { at: '2026-11-27T09:30:05.020Z', status_code: 200, error: null, duration_ms: 38 },
                ],
                next_attempt_at: null,
                created_at: '2026-11-27T09:30:00.000Z',
              },
            ],
            next_cursor: null,
          },
        },
      },
    },
    ...problemResponses(401, 404, 422, 503),
  },
})

const receiverResponses = {
  200: { description: 'Any 2xx: received. Anything else, or no answer within the timeout, is retried with backoff' },
}

/** The requests the server makes to registered webhooks: the document's `webhooks` section (OpenAPI 3.1). */
export const questionEventWebhook = (type: 'question.created' | 'question.closed') =>
  createRoute({
    method: 'post',
    path: type,
    operationId: type === 'question.created' ? 'onQuestionCreated' : 'onQuestionClosed',
    tags: ['webhooks'],
    summary:
      type === 'question.created'
        ? 'A question was asked of you: of your run, or naming you among its assignees'
        : 'A question you were asked stopped taking replies: answered, expired, or its run ended',
    request: {
      headers: SignatureHeadersSchema,
      body: {
        required: true,
        content: { 'application/json': { schema: QuestionEventSchema, example: { ...EXAMPLE_QUESTION_EVENT, type } } },
      },
    },
    responses: receiverResponses,
  })

export const runFinishedWebhook = createRoute({
  method: 'post',
  path: 'run.finished',
  operationId: 'onRunFinished',
  tags: ['webhooks'],
  summary: 'One of your runs completed, failed or was cancelled',
  request: {
    headers: SignatureHeadersSchema,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: RunFinishedEventSchema,
          example: {
            id: '0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a',
            type: 'run.finished',
            timestamp: EXAMPLE_COMPLETED_RUN.finished_at,
            data: EXAMPLE_COMPLETED_RUN,
          },
        },
      },
    },
  },
  responses: receiverResponses,
})
