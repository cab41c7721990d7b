/**
 * The typed TypeScript client for Parley (`parley-server/client`): openapi-fetch over the generated
 * contract, plus helpers that follow a run's messages and answer its questions.
 *
 * @example
 * import { createClient } from 'parley-server/client'
 * const client = createClient({ baseUrl: 'http://localhost:8008', apiKey: process.env.PARLEY_KEY })
 * const { data: workflows } = await client.GET('/v1/workflows')
 */

export type {
  Answer,
  ClientOptions,
  CreatedWebhook,
  CreateWebhookRequest,
  InboxItem,
  InboxQuery,
  KnownWorkflow,
  Message,
  ParamsOf,
  ParleyClient,
  Problem,
  Question,
  Run,
  StartRunArgs,
  StartRunOptions,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryQuery,
  WebhookEventType,
  Workflow,
} from './client.ts'
export { createClient } from './client.ts'
export type { FollowOptions } from './follow-messages.ts'
export { followMessages, pollMessages } from './follow-messages.ts'
export type { FollowPagesOptions, MessagePage, PollPage } from './follow-pages.ts'
export { followPages, isTransientFailure, ParleyApiError } from './follow-pages.ts'
export type { FinishedStatus, RunStatus } from './run-status.ts'
export { isFinished } from './run-status.ts'
export type { ServerSentEvent } from './server-sent-events.ts'
export { readServerSentEvents } from './server-sent-events.ts'
export type { StreamMessagesOptions, TextDelta } from './stream-messages.ts'
export { StreamEndedError, streamMessages } from './stream-messages.ts'
export type { VerifyWebhookOptions, WebhookEvent, WebhookHeaders, WebhookVerificationReason } from './verify-webhook.ts'
export { verifyWebhook, WebhookVerificationError } from './verify-webhook.ts'
