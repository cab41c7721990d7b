import { createMemoryStore } from '../store/memory/memory-store.ts'
import type { Store } from '../store/store.ts'
import type { Workflow } from './define-workflow.ts'
import type { WorkflowRegistry } from './registry.ts'
import { createRegistry } from './registry.ts'
import { DEFAULT_RUN_LIMITS } from './run-limits.ts'
import { DEFAULT_MAX_PAGE_BYTES, RunManager } from './run-manager.ts'
import { DEFAULT_MAX_PARAMS_DEPTH } from './run-params.ts'
import type { WebhookDeliveryOptions } from './webhooks/dispatcher.ts'
import { Webhooks } from './webhooks/webhooks.ts'
import type { WorkerOptions } from './worker.ts'
import { Worker } from './worker.ts'

/** The bounds on runs a deployment sets (`createApp`'s `limits`, less what only HTTP bounds). */
export interface RuntimeLimits {
  /** Active runs one user may have at once (default 1000). */
  maxActiveRunsPerUser?: number
  /** Long-polls one user may hold waiting (and event streams open) at once in this process (default 100; 0: no limit); past it, 429 `too_many_held_polls`. */
  maxHeldPollsPerUser?: number
  /** Runs one user may start per minute in this process (default 60; 0: no limit); past it, 429 `rate_limited`. */
  runsPerMinute?: number
  /** Finished runs older than this (ms) are deleted with their messages by the worker's sweep (default 30 days; null: kept). */
  retentionMs?: number | null
  /** An unfinished run older than this (ms) is failed, parked or not (default 30 days; null: no bound). */
  maxRunAgeMs?: number | null
  /** Bytes of messages one `listMessages` page holds at most; at least one message always (default 4 MiB). */
  maxPageBytes?: number
  /** Bytes of one message: what a workflow emits, or a reply (default 256 KiB). */
  maxMessageBytes?: number
  /** Messages one run's workflow may emit before the run fails (default 10,000). */
  maxMessagesPerRun?: number
  /** LLM tokens one run may use before it fails (default 1,000,000). */
  maxTokensPerRun?: number
  /** How deeply a run's params may nest (default 64). */
  maxParamsDepth?: number
}

export interface RuntimeOptions {
  workflows: Iterable<Workflow> | Record<string, unknown>
  /** Where runs live; an in-memory store when omitted. */
  store?: Store | undefined
  limits?: RuntimeLimits | undefined
  /** This process's worker settings, or `false` for none (an API-only process). */
  worker?: false | Omit<WorkerOptions, 'store' | 'registry'> | undefined
  /** The deployment's model settings, handed to the worker (see `WorkerOptions.llm`). */
  llm?: WorkerOptions['llm']
  /** Webhook delivery settings: where webhooks may point (`allowPrivate`), and how this process's worker sends them. */
  webhooks?: WebhookDeliveryOptions | undefined
}

export interface Runtime {
  readonly registry: WorkflowRegistry
  readonly store: Store
  readonly runs: RunManager
  readonly webhooks: Webhooks
}

const DEFAULT_MAX_ACTIVE_RUNS = 1000

/** Wires a deployment's runtime: its workflows, its store, this process's worker and the run manager the API talks to. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const store = options.store ?? createMemoryStore()
  const registry = createRegistry(options.workflows)
  const limits = options.limits ?? {}
  const runLimits = {
    maxMessageBytes: limits.maxMessageBytes ?? DEFAULT_RUN_LIMITS.maxMessageBytes,
    maxMessagesPerRun: limits.maxMessagesPerRun ?? DEFAULT_RUN_LIMITS.maxMessagesPerRun,
    maxTokensPerRun: limits.maxTokensPerRun ?? DEFAULT_RUN_LIMITS.maxTokensPerRun,
  }
  const retention = {
    retentionMs: limits.retentionMs,
    maxRunAgeMs: limits.maxRunAgeMs,
    ...(options.worker ? options.worker.retention : {}),
  }
  const worker =
    options.worker === false
      ? null
      : new Worker({
          runLimits,
          ...(options.llm === undefined ? {} : { llm: options.llm }),
          webhooks: options.webhooks,
          ...options.worker,
          retention,
          store,
          registry,
        })
  const runs = new RunManager({
    registry,
    store,
    maxActiveRunsPerUser: limits.maxActiveRunsPerUser ?? DEFAULT_MAX_ACTIVE_RUNS,
    maxHeldPollsPerUser: limits.maxHeldPollsPerUser,
    runsPerMinute: limits.runsPerMinute,
    maxPageBytes: limits.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES,
    maxMessageBytes: runLimits.maxMessageBytes,
    maxParamsDepth: limits.maxParamsDepth ?? DEFAULT_MAX_PARAMS_DEPTH,
    worker,
  })
  const webhooks = new Webhooks(store.webhooks, { allowPrivate: options.webhooks?.allowPrivate })
  return { registry, store, runs, webhooks }
}
