import createFetchClient from 'openapi-fetch'
import type { components, paths } from '../../generated/v1.d.ts'
import type { FollowOptions } from './follow-messages.ts'
import { followMessages } from './follow-messages.ts'

export type Run = components['schemas']['Run']
export type Message = components['schemas']['Message']
/** A message that expects a reply: what `Run.pending_question` holds. */
export type Question = NonNullable<Run['pending_question']>
export type Answer = components['schemas']['Answer']
export type Problem = components['schemas']['Problem']
export type Workflow = components['schemas']['Workflow']

/** Names of the workflows the generated contract knows, each with its typed `POST /v1/workflows/{name}/runs`. */
export type KnownWorkflow = keyof paths extends infer P ? (P extends `/v1/workflows/${infer Name}/runs` ? Name : never) : never

/** The params a known workflow takes (as sent: defaulted fields are optional). */
export type ParamsOf<W extends KnownWorkflow> = NonNullable<
  NonNullable<paths[`/v1/workflows/${W}/runs`]['post']['requestBody']>['content']['application/json']['params']
>

export interface ClientOptions {
  /** Where the server is, e.g. `http://localhost:8008`. */
  baseUrl: string
  /** Sent as `Authorization: Bearer <apiKey>` on every request. */
  apiKey?: string
  /** Replaces the global fetch: e.g. `(request) => app.fetch(request)` to call an app in-process. */
  fetch?: (request: Request) => Promise<Response>
}

/**
 * A typed Parley client: openapi-fetch over the generated contract (`client.GET('/v1/runs')`,
 * `client.POST(...)`, errors as values `{ data, error }`), plus helpers to start a run, follow
 * its messages and answer its questions.
 *
 * @example
 * const client = createClient({ baseUrl: 'http://localhost:8008' })
 * const { data: run, error } = await client.startRun('greet', { greeting: 'Hi' })
 * if (error) throw new Error(error.detail)
 * for await (const message of client.messages(run.id)) {
 *   if (message.type === 'text_input') await client.reply(run.id, message.id, 'Ada')
 *   if (message.type === 'multiple_choice') await client.reply(run.id, message.id, message.content.choices[0] ?? '')
 * }
 */
export function createClient(options: ClientOptions) {
  const api = createFetchClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.apiKey === undefined ? {} : { headers: { Authorization: `Bearer ${options.apiKey}` } }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  })

  /**
   * Starts a run of `workflow` (`createRun`); params are typed for the workflows the contract
   * knows. Pass `idempotencyKey` to make a retry return the same run instead of starting another.
   */
  const startRun = <W extends string>(
    workflow: W,
    params?: W extends KnownWorkflow ? ParamsOf<W> : Record<string, unknown>,
    { idempotencyKey }: { idempotencyKey?: string } = {},
  ) =>
    api.POST('/v1/runs', {
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
      api.POST('/v1/runs/{run_id}/replies', { params: { path: { run_id: runId } }, body: { question_id: questionId, answer } }),
    /** Every message of the run from `after`, long-polling until the run has finished (see `followMessages`). */
    messages: (runId: string, options?: FollowOptions) => followMessages(api, runId, options),
  })
}

export type ParleyClient = ReturnType<typeof createClient>
