import type { Client } from 'openapi-fetch'
import createFetchClient from 'openapi-fetch'
import type { components, paths } from '../../generated/v1.d.ts'
import type { FollowOptions } from './follow-messages.ts'
import { followMessages, pollMessages } from './follow-messages.ts'
import { followPages } from './follow-pages.ts'
import type { StreamMessagesOptions, TextDelta } from './stream-messages.ts'
import { streamMessages } from './stream-messages.ts'

export type Run = components['schemas']['Run']
export type Message = components['schemas']['Message']
/** A message that expects a reply: what `Run.pending_question` holds. */
export type Question = NonNullable<Run['pending_question']>
export type Answer = components['schemas']['Answer']
export type Problem = components['schemas']['Problem']
export type Workflow = components['schemas']['Workflow']
export type InboxItem = components['schemas']['InboxItem']
/** What `client.questions` filters by: `status` (default pending), `workflow`, `run_id`, `limit`, `cursor`, `wait`. */
export type InboxQuery = NonNullable<paths['/v1/questions']['get']['parameters']['query']>
/** A registered webhook, as listed: its secret is shown only once, in the `CreatedWebhook`. */
export type Webhook = components['schemas']['Webhook']
/** What `createWebhook` returns: the webhook and its signing `secret`, shown this once. */
export type CreatedWebhook = components['schemas']['CreatedWebhook']
/** What `client.createWebhook` takes: `url`, `events`, and optionally your own `secret` (`whsec_…`) and a `description`. */
export type CreateWebhookRequest = components['schemas']['CreateWebhookRequest']
export type WebhookEventType = components['schemas']['WebhookEventType']
/** One event on its way to a webhook: the event, its `status`, every attempt and when it is tried next. */
export type WebhookDelivery = components['schemas']['WebhookDelivery']
/** What `client.webhookDeliveries` filters by: `status`, `limit`, `cursor`. */
export type WebhookDeliveryQuery = NonNullable<paths['/v1/webhooks/{webhook_id}/deliveries']['get']['parameters']['query']>

/**
 * Names of the workflows a contract knows: each `POST /v1/workflows/{name}/runs` path of `P`
 * (by default the contract of this package's example server, `generated/v1.d.ts`).
 *
 * @example
 * import type { paths } from './api.d.ts' // openapi-typescript, from `parley spec ./my-workflows.ts`
 * type Mine = KnownWorkflow<paths> // 'triage' | 'onboarding' | …
 */
export type KnownWorkflow<P = paths> = keyof P extends infer Path
  ? Path extends `/v1/workflows/${infer Name}/runs`
    ? Name extends `{${string}}` // a templated path is not a workflow
      ? never
      : Name
    : never
  : never

/** The JSON body of the `post` of one path item, when it has one. */
type PostBody<Item> = Item extends { post: { requestBody?: { content: { 'application/json': infer Body } } } } ? Body : never

/**
 * The params a workflow of `P` takes, as sent (defaulted fields are optional): the `params` of its
 * `POST /v1/workflows/{name}/runs` body.
 */
export type ParamsOf<W extends KnownWorkflow<P>, P = paths> = `/v1/workflows/${W}/runs` extends infer Path extends keyof P
  ? NonNullable<PostBody<P[Path]> extends { params?: infer Params } ? Params : never>
  : never

/**
 * What `startRun(workflow, …)` takes after the name: a known workflow's typed params (required when
 * one of them is), any params for a workflow the types do not know; then the request's options.
 */
export type StartRunArgs<W extends string, P = paths> =
  W extends KnownWorkflow<P>
    ? {} extends ParamsOf<W, P>
      ? [params?: ParamsOf<W, P>, options?: StartRunOptions]
      : [params: ParamsOf<W, P>, options?: StartRunOptions]
    : [params?: Record<string, unknown>, options?: StartRunOptions]

export interface StartRunOptions {
  /** Makes a retry return the same run instead of starting another (the `Idempotency-Key` header). */
  idempotencyKey?: string
}

export interface ClientOptions {
  /** Where the server is, e.g. `http://localhost:8008`. */
  baseUrl: string
  /** Sent as `Authorization: Bearer <apiKey>` on every request. */
  apiKey?: string
  /** Replaces the global fetch: e.g. `(request) => app.fetch(request)` to call an app in-process. */
  fetch?: (request: Request) => Promise<Response>
}

/**
 * A typed Parley client: openapi-fetch over a contract (`client.GET('/v1/runs')`,
 * `client.POST(...)`, errors as values `{ data, error }`), plus helpers to start a run, follow
 * its messages and answer its questions.
 *
 * `P` is the `paths` type of the contract, by default the one of this package's example server.
 * Pass the `paths` openapi-typescript generated from your own server's document, and
 * `startRun` and every `GET`/`POST` are typed with your workflows.
 *
 * @example
 * const client = createClient({ baseUrl: 'http://localhost:8008' })
 * const { data: run, error } = await client.startRun('greet', { greeting: 'Hi' })
 * if (error) throw new Error(error.detail)
 * for await (const message of client.messages(run.id)) {
 *   if (message.type === 'text_input') await client.reply(run.id, message.id, 'Ada')
 *   if (message.type === 'multiple_choice') await client.reply(run.id, message.id, message.content.choices[0] ?? '')
 * }
 *
 * @example
 * import type { paths } from './api.d.ts' // npx openapi-typescript openapi.json -o api.d.ts
 * const mine = createClient<paths>({ baseUrl: 'http://localhost:8008' })
 * await mine.startRun('triage', { ticket: 'T-1' }) // typed with triage's params
 */
export function createClient<P extends {} = paths>(options: ClientOptions) {
  const api = createFetchClient<P>({
    baseUrl: options.baseUrl,
    ...(options.apiKey === undefined ? {} : { headers: { Authorization: `Bearer ${options.apiKey}` } }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  })
  // The helpers speak the operations every Parley server has, whatever its workflows (createRun,
  // listMessages, replyToQuestion): this package's contract types them. The same client, not a
  // second one, so middleware a caller adds with `use()` sees the helpers' requests too.
  const core = api as unknown as Client<paths>

  /**
   * Starts a run of `workflow` (`createRun`); params are typed for the workflows `P` knows. Pass
   * `idempotencyKey` to make a retry return the same run instead of starting another.
   */
  const startRun = <W extends KnownWorkflow<P> | (string & {})>(workflow: W, ...[params, { idempotencyKey } = {}]: StartRunArgs<W, P>) =>
    core.POST('/v1/runs', {
      body: { workflow, params: params ?? {} },
      params: { header: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey } },
    })

  return Object.assign(api, {
    startRun,
    /**
     * Answers a question (`replyToQuestion`): 201 when recorded, 200 when this exact reply already
     * was; `error` holds the problem otherwise (409 not pending, 422 does not fit the question).
     */
    reply: (runId: string, questionId: string, answer: Answer) =>
      core.POST('/v1/runs/{run_id}/replies', { params: { path: { run_id: runId } }, body: { question_id: questionId, answer } }),
    /** Every message of the run from `after`, long-polling until the run has finished (see `followMessages`). */
    messages: (runId: string, options?: FollowOptions) => followMessages(core, runId, options),
    /**
     * Every message of the run from `after`, pushed over Server-Sent Events (`streamRunEvents`) in
     * one request, resumed from the last message on a dropped connection (see `streamMessages`).
     * Needs a server with the stream; `messages` (the long-poll) works with every one.
     */
    streamMessages: streamMessagesOf(core),
    /**
     * Your inbox (`listQuestions`): the questions you may answer across runs, yours and those a
     * workflow assigned to you, newest first. With `wait`, an empty first page waits for one to be
     * asked. Answer each with `reply(item.run.id, item.question.id, answer)`.
     */
    questions: (query: InboxQuery = {}) => core.GET('/v1/questions', { params: { query } }),
    /** The same log page by page, each with the run's status (see `followPages`): for a UI that shows it. */
    pages: (runId: string, { wait = 30, ...options }: FollowOptions = {}) => followPages(pollMessages(core, runId, wait), options),
    /**
     * Registers a webhook (`createWebhook`): the events you subscribe to are POSTed to `url`, signed.
     * `data.secret` is shown this once: keep it for `verifyWebhook`. `error` holds the problem
     * otherwise (422 naming `body.url` for a URL the server refuses, 409 `too_many_webhooks`).
     */
    createWebhook: (body: CreateWebhookRequest) => core.POST('/v1/webhooks', { body }),
    /** Your webhooks, oldest first (`listWebhooks`), without their secrets: `data` is the array itself. */
    listWebhooks: async () => {
      // At most 20 and never paged, so the envelope holds nothing but the array.
      const result = await core.GET('/v1/webhooks')
      if (result.error !== undefined) return { data: undefined, error: result.error, response: result.response }
      return { data: result.data.webhooks, error: undefined, response: result.response }
    },
    /** One of your webhooks (`getWebhook`); another user's is a 404 `webhook_not_found`, as a missing one. */
    getWebhook: (webhookId: string) => core.GET('/v1/webhooks/{webhook_id}', { params: { path: { webhook_id: webhookId } } }),
    /** Deletes a webhook (`deleteWebhook`): 204, and nothing more is sent to it; `error` holds a 404 otherwise. */
    deleteWebhook: (webhookId: string) => core.DELETE('/v1/webhooks/{webhook_id}', { params: { path: { webhook_id: webhookId } } }),
    /**
     * A page of what was sent to a webhook, newest first (`listWebhookDeliveries`): `{ deliveries,
     * next_cursor }`, each delivery with its event, `status` and attempts. Pass `next_cursor` as
     * `cursor` for the next page.
     */
    webhookDeliveries: (webhookId: string, query: WebhookDeliveryQuery = {}) =>
      core.GET('/v1/webhooks/{webhook_id}/deliveries', { params: { path: { webhook_id: webhookId }, query } }),
  })
}

/** The client `createClient<P>` returns. */
/** `client.streamMessages`: with `{ deltas: true }` the live text of replies comes too. */
function streamMessagesOf(core: Client<paths>) {
  function stream(runId: string, options: StreamMessagesOptions & { deltas: true }): AsyncGenerator<Message | TextDelta, void, undefined>
  function stream(runId: string, options?: StreamMessagesOptions): AsyncGenerator<Message, void, undefined>
  function stream(runId: string, options?: StreamMessagesOptions) {
    return streamMessages(core, runId, options as StreamMessagesOptions & { deltas: true })
  }
  return stream
}

export type ParleyClient<P extends {} = paths> = ReturnType<typeof createClient<P>>
