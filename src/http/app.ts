import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context, Next } from 'hono'
import { cors } from 'hono/cors'
import type { LlmSettings } from '../llm/llm-config.ts'
import type { RuntimeLimits } from '../runtime/create-runtime.ts'
import { createRuntime } from '../runtime/create-runtime.ts'
import type { Workflow } from '../runtime/define-workflow.ts'
import { ParleyError } from '../runtime/errors.ts'
import type { RunManager } from '../runtime/run-manager.ts'
import type { WebhookDeliveryOptions } from '../runtime/webhooks/dispatcher.ts'
import type { WorkerOptions } from '../runtime/worker.ts'
import { fieldErrors } from '../schemas/problem.ts'
import type { Store } from '../store/store.ts'
import type { AppEnv } from './app-env.ts'
import { fetchDetachable } from './detached-answer.ts'
import { createAllowedMethods } from './method-not-allowed.ts'
import { createHostCheck } from './middleware/allowed-hosts.ts'
import type { AuthOptions } from './middleware/auth.ts'
import { createAuthenticator, isAuthOn } from './middleware/auth.ts'
import { openapiDocumentConfig } from './openapi-config.ts'
import { handleError, problemOf, problemResponse } from './problem.ts'
import { createBodyReader } from './request-body.ts'
import { registerProblemResponses } from './responses.ts'
import { listMessages, streamRunEvents } from './routes/messages/handlers.ts'
import { listMessagesRoute, streamRunEventsRoute } from './routes/messages/routes.ts'
import { PLACEHOLDER_HEADERS, PLACEHOLDER_PAGE } from './routes/meta/placeholder-page.ts'
import { healthRoute } from './routes/meta/routes.ts'
import { listQuestions } from './routes/questions/handlers.ts'
import { listQuestionsRoute } from './routes/questions/routes.ts'
import { replyToQuestion } from './routes/replies/handlers.ts'
import { replyToQuestionRoute } from './routes/replies/routes.ts'
import { cancelRun, createRun, getRun, listRuns } from './routes/runs/handlers.ts'
import { cancelRunRoute, createRunRoute, getRunRoute, listRunsRoute } from './routes/runs/routes.ts'
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks } from './routes/webhooks/handlers.ts'
import {
  createWebhookRoute,
  deleteWebhookRoute,
  getWebhookRoute,
  listDeliveriesRoute,
  listWebhooksRoute,
  questionEventWebhook,
  runFinishedWebhook,
} from './routes/webhooks/routes.ts'
import { createWorkflowRunHandler, getWorkflow, listWorkflows } from './routes/workflows/handlers.ts'
import { createWorkflowRunRoute, exampleRunRequest, getWorkflowRoute, listWorkflowsRoute } from './routes/workflows/routes.ts'
import { mountSwaggerUI } from './swagger-ui.ts'

export interface CreateAppOptions {
  /** The workflows to serve: an array, or a module namespace whose workflow exports are taken. */
  workflows: Iterable<Workflow> | Record<string, unknown>
  /** Where runs live; an in-memory store when omitted. */
  store?: Store
  /** API keys or an `authenticate(request)` hook; off (one anonymous user) when omitted. */
  auth?: AuthOptions
  limits?: RuntimeLimits & {
    /** Largest request body in bytes (default 1 MiB). */
    maxBodyBytes?: number
  }
  /**
   * The address clients reach this server at, e.g. `https://agents.example.com`: the document's
   * `servers` entry. A relative `/` (wherever the document was fetched from) when omitted.
   */
  publicUrl?: string
  /** Origins allowed to call the API from a browser (CORS), e.g. a web UI on another port. */
  corsOrigins?: string[]
  /**
   * With auth off: the hosts (besides loopback) requests may name in `Host`, e.g.
   * `['parley.internal', '10.0.0.5:8008']` (no port: any port); any other host gets 421
   * `host_not_allowed` (src/http/middleware/allowed-hosts.ts). Unused with auth on.
   */
  allowedHosts?: string[]
  /** Serves the page at `/` (the web UI); a page linking to the docs when omitted. */
  mountUI?: (app: OpenAPIHono<AppEnv>) => void
  /**
   * This process executes runs (the default: its own, and any a shared store has ready), with
   * these settings; `false` for an API-only process, when workers elsewhere share the store.
   */
  worker?: false | Omit<WorkerOptions, 'store' | 'registry'>
  /**
   * The model endpoint the workflows' agents and `ctx.llm` use unless they name their own: settings
   * (the CLI passes the ones src/config.ts read), or a function giving them when a run first calls a
   * model. When omitted, the environment's (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `PARLEY_MODEL`,
   * `PARLEY_LLM_MAX_RETRIES`, `PARLEY_LLM_TIMEOUT_MS`), read at that moment; no key and no base
   * URL: the built-in offline model. `worker.llm`, when given, wins.
   *
   * @example
   * createApp({ workflows, llm: { baseURL: 'http://localhost:11434/v1', model: 'llama3.2', maxRetries: 2, timeoutMs: 60_000 } })
   */
  llm?: LlmSettings | (() => LlmSettings)
  /**
   * Webhooks: whether they may point at loopback and private addresses (`allowPrivate`, default
   * false: public addresses only), and how this process's worker sends deliveries (attempts,
   * backoff, timeout). Env: `PARLEY_WEBHOOK_ALLOW_PRIVATE`, `PARLEY_WEBHOOK_MAX_ATTEMPTS`,
   * `PARLEY_WEBHOOK_RETRY_MS`, `PARLEY_WEBHOOK_TIMEOUT_MS` (read by the CLI).
   */
  webhooks?: WebhookDeliveryOptions
}

export interface ParleyApp {
  readonly hono: OpenAPIHono<AppEnv>
  readonly runs: RunManager
  readonly store: Store
  /** Answers a request; `env` is the adapter's bindings (@hono/node-server's `{ incoming, outgoing }`): with them, a held long-poll lets go of the chain while it waits. */
  fetch(request: Request, env?: unknown): Response | Promise<Response>
  /** In-process request, for tests: `app.request('/v1/workflows')`. */
  request: OpenAPIHono<AppEnv>['request']
  /** The OpenAPI 3.1 document of this app (its workflows included). */
  openapi(): ReturnType<OpenAPIHono['getOpenAPI31Document']>
  /** Parks the runs executing here (they resume elsewhere or on the next start) and closes the store; once, however often called. */
  close(): Promise<void>
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/** Builds the HTTP app: the v1 contract, `/openapi.json`, `/docs`, `/healthz` and the page at `/`. */
export function createApp(options: CreateAppOptions): ParleyApp {
  const { registry, store, runs, webhooks } = createRuntime({
    workflows: options.workflows,
    store: options.store,
    limits: options.limits,
    worker: options.worker,
    llm: options.llm,
    webhooks: options.webhooks,
  })
  const maxBodyBytes = options.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES

  const app = new OpenAPIHono<AppEnv>({
    // Every validation failure takes the one error path, naming each field.
    defaultHook: (result) => {
      if (!result.success) {
        const target = result.target === 'json' ? 'body' : result.target === 'param' ? 'path' : result.target
        throw new ParleyError('validation_failed', `Invalid ${target}`, fieldErrors(target, result.error))
      }
    },
  })
  app.onError(handleError)
  const allowedMethods = createAllowedMethods(app)
  app.notFound((c) => {
    const methods = allowedMethods(c.req.path)
    if (methods.length === 0 || methods.includes(c.req.method)) {
      return problemResponse(c, problemOf('route_not_found', `No endpoint ${c.req.method} ${new URL(c.req.url).pathname}`))
    }
    // Set before the response is made: headers added to a made one are lost when HEAD's
    // bodiless copy of it is taken (@hono/node-server's lightweight Response copies its init).
    c.header('Allow', methods.join(', '))
    return problemResponse(c, problemOf('method_not_allowed', `${c.req.method} is not allowed here; use ${methods.join(', ')}`, c.req.path))
  })

  if (options.corsOrigins && options.corsOrigins.length > 0) {
    app.use(
      '*',
      cors({
        origin: options.corsOrigins,
        allowHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'Last-Event-ID'],
        exposeHeaders: ['Location'],
      }),
    )
  }
  // Two middlewares in front of the routes, each doing all it can without suspending: every level
  // of Hono's chain is one more async frame a held long-poll keeps alive, and work on every request
  // (npm run bench -- --only idle).
  //
  // Open mode answers only for loopback and the listed hosts (DNS rebinding); keys protect the rest.
  const authOn = isAuthOn(options.auth)
  const checkHost = authOn ? undefined : createHostCheck(options.allowedHosts ?? [])
  app.use('*', (c, next) => {
    checkHost?.(c)
    c.set('runs', runs)
    c.set('registry', registry)
    c.set('webhooks', webhooks)
    return next()
  })
  const readBody = createBodyReader(maxBodyBytes)
  const authenticate = createAuthenticator(options.auth)
  // GET and HEAD carry no body here: nothing to read (src/http/request-body.ts).
  const proceed = (c: Context<AppEnv>, next: Next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : readBody(c, next))
  // Who is calling is decided first, from the headers alone: a stranger's body is never read (a
  // 2 MB unauthenticated upload is a 401, not 413 after reading a megabyte of it).
  app.use('/v1/*', (c, next) => {
    const userId = authenticate(c)
    if (typeof userId === 'string') {
      c.set('userId', userId)
      return proceed(c, next)
    }
    return userId.then((id) => {
      c.set('userId', id)
      return proceed(c, next)
    })
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key, when the server has keys configured',
  })
  registerProblemResponses(app)

  app.openapi(listWorkflowsRoute, listWorkflows)
  app.openapi(getWorkflowRoute, getWorkflow)
  for (const workflow of registry.list()) {
    app.openapi(createWorkflowRunRoute(workflow), createWorkflowRunHandler(workflow))
  }
  app.openapi(createRunRoute(exampleRunRequest(registry.list())), createRun)
  app.openapi(listRunsRoute, listRuns)
  app.openapi(getRunRoute, getRun)
  app.openapi(cancelRunRoute, cancelRun)
  app.openapi(listMessagesRoute, listMessages)
  app.openapi(streamRunEventsRoute, streamRunEvents)
  app.openapi(replyToQuestionRoute, replyToQuestion)
  app.openapi(listQuestionsRoute, listQuestions)
  app.openapi(createWebhookRoute, createWebhook)
  app.openapi(listWebhooksRoute, listWebhooks)
  app.openapi(getWebhookRoute, getWebhook)
  app.openapi(deleteWebhookRoute, deleteWebhook)
  app.openapi(listDeliveriesRoute, listDeliveries)
  app.openAPIRegistry.registerWebhook(questionEventWebhook('question.created'))
  app.openAPIRegistry.registerWebhook(questionEventWebhook('question.closed'))
  app.openAPIRegistry.registerWebhook(runFinishedWebhook)
  // Public, so with auth on it says nothing of the load: run and poll counts would tell a stranger
  // how busy the users are.
  app.openapi(healthRoute, (c) =>
    c.json(
      {
        status: 'ok' as const,
        store: store.kind,
        workflows: registry.list().length,
        ...(authOn ? {} : { executing_runs: runs.executingCount, held_polls: runs.polls.held }),
      },
      200,
    ),
  )

  const documentConfig = openapiDocumentConfig({ publicUrl: options.publicUrl })
  let closing: Promise<void> | undefined
  app.doc31('/openapi.json', documentConfig)
  mountSwaggerUI(app, { specUrl: '/openapi.json', path: '/docs', apiUrl: options.publicUrl })
  if (options.mountUI) options.mountUI(app)
  else app.get('/', (c) => c.html(PLACEHOLDER_PAGE, 200, PLACEHOLDER_HEADERS))

  return {
    hono: app,
    runs,
    store,
    // Over Node, a held long-poll lets go of the chain while it waits (src/http/detached-answer.ts).
    fetch: (request, env) => fetchDetachable(app.fetch, request, env),
    request: app.request,
    openapi: () => app.getOpenAPI31Document(documentConfig),
    close() {
      // Once, however often it is called: `serve()`'s close closes the app too.
      closing ??= (async () => {
        await runs.stop()
        await store.close()
      })()
      return closing
    },
  }
}
