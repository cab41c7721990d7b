import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { loadLlmConfig } from '../config.ts'
import type { LlmSettings } from '../llm/llm-config.ts'
import type { ClaimedRun, Lease, RunRecord, Store } from '../store/store.ts'
import { LeaseLostError } from '../store/store.ts'
import { definedOnly } from './defined-only.ts'
import { RunCancelledError, RunParkedError, ServerStoppingError } from './errors.ts'
import type { WorkflowRegistry } from './registry.ts'
import { createRegistry } from './registry.ts'
import type { RetentionOptions } from './retention.ts'
import { sweepRuns } from './retention.ts'
import { executeRun, INTERRUPTED } from './run-executor.ts'
import type { RunLimits } from './run-limits.ts'
import { DEFAULT_RUN_LIMITS } from './run-limits.ts'
import { transitionRun } from './run-status.ts'
import type { WebhookDeliveryOptions } from './webhooks/dispatcher.ts'
import { WebhookDispatcher } from './webhooks/dispatcher.ts'

export interface WorkerOptions {
  store: Store
  registry: WorkflowRegistry
  /** This worker's name in the store's leases; unique per process (default `host:pid:random`). */
  id?: string
  /** How long a lease lasts unless renewed (renewed every third of it). Default 15 s. */
  leaseMs?: number
  /** How often to look for ready runs besides being told (deadlines, sleeps, lapsed leases). Default 1 s. */
  claimIntervalMs?: number
  /** A run waiting this long for a reply or a timer is parked: dropped from memory, its lease released. Default 60 s. */
  parkAfterMs?: number
  /** Runs executing here at once, at most. Default 10,000. */
  maxRuns?: number
  /** Over this resident set size (bytes), waiting runs are parked and nothing new is claimed. Default none. */
  memoryBudgetBytes?: number | null
  /** Sweeps the store for runs past their retention (deleted) or maximum age (failed). Defaults: 30 days each, every minute. */
  retention?: RetentionOptions | undefined
  /** Each run's limits: message size, messages, LLM tokens. Defaults: DEFAULT_RUN_LIMITS. */
  runLimits?: Partial<RunLimits> | undefined
  /**
   * The model endpoint its runs' agents and `ctx.llm` use unless they name their own: settings, or
   * a function giving them when a run first calls a model. Default: the environment's
   * (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `PARLEY_MODEL` …), read by src/config.ts at that moment.
   */
  llm?: LlmSettings | (() => LlmSettings) | undefined
  /** How this process sends webhook deliveries (every worker sends its share of the store's). Defaults: DEFAULT_WEBHOOK_DELIVERY. */
  webhooks?: WebhookDeliveryOptions | undefined
}

/** Runs parked in one turn of the parking timer, at most. */
const PARK_BATCH = 200

interface Execution {
  readonly run: RunRecord
  readonly lease: Lease
  /** Whether it can be parked: a workflow with `resume: false` can never be replayed, so it is not. */
  readonly resumable: boolean
  readonly controller: AbortController
  done: Promise<void>
  /** Since when the run waits (a reply or a timer); null while it works. */
  waitingSince: number | null
  /** The end of the timer it sleeps on, if it does. */
  wakeAt: number | null
  /** Its workflow is done and it writes its own end: the run finishing is not a stop from elsewhere. */
  finishing: boolean
}

/** What the first look for work found: runs a previous process left, resumed or (when they cannot resume) failed. */
export interface FirstClaim {
  resumed: number
  failed: number
}

/**
 * Executes runs: the ones it is handed as they are created (`adopt`), and the ones it claims from
 * the store — a run nobody holds (new from an API-only process, left by a dead or stopped
 * worker, or parked and now answered, expired or woken). It keeps its leases alive, stops a run
 * whose lease it lost or that finished elsewhere (a cancel from any process), and parks runs that
 * wait long, so that thousands of conversations waiting for people cost it no memory.
 */
export class Worker {
  readonly id: string
  readonly #store: Store
  readonly #registry: WorkflowRegistry
  /** How long a lease lasts unless renewed. */
  readonly leaseMs: number
  readonly #claimIntervalMs: number
  readonly #parkAfterMs: number
  readonly #maxRuns: number
  readonly #memoryBudget: number | null
  readonly #retention: RetentionOptions
  readonly #runLimits: RunLimits
  readonly #llm: () => LlmSettings
  readonly #executing = new Map<string, Execution>()
  readonly #unsubscribe: (() => void)[] = []
  readonly #timers: NodeJS.Timeout[] = []
  #started = false
  #stopping = false
  #listening = false
  #claiming: Promise<number> | null = null
  #claimAgain = false
  /** Counts what the first claim pass found, while it runs (start() reports it). */
  #firstClaim: FirstClaim | null = null
  readonly #webhooks: WebhookDispatcher

  constructor(options: WorkerOptions) {
    this.#store = options.store
    this.#registry = options.registry
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
    this.leaseMs = options.leaseMs ?? 15_000
    this.#claimIntervalMs = options.claimIntervalMs ?? 1000
    this.#parkAfterMs = options.parkAfterMs ?? 60_000
    this.#maxRuns = options.maxRuns ?? 10_000
    this.#memoryBudget = options.memoryBudgetBytes ?? null
    this.#retention = options.retention ?? {}
    this.#runLimits = { ...DEFAULT_RUN_LIMITS, ...definedOnly(options.runLimits) }
    const llm = options.llm ?? loadLlmConfig
    this.#llm = typeof llm === 'function' ? () => llm() : () => llm
    this.#webhooks = new WebhookDispatcher(this.#store.webhooks, this.id, options.webhooks)
  }

  /** How many runs execute here now. */
  get executingCount(): number {
    return this.#executing.size
  }

  /** Whether a new run may be handed to this worker (`adopt`) as it is created. */
  get accepting(): boolean {
    return !this.#stopping && this.#executing.size < this.#maxRuns && !this.#overBudget()
  }

  /**
   * Starts looking for work: at once (the runs a previous process left), whenever the store says
   * a run may be ready, and every `claimIntervalMs`; renews leases and parks waiting runs.
   */
  async start(): Promise<FirstClaim> {
    if (this.#started) return { resumed: 0, failed: 0 }
    this.#started = true
    this.#listen()
    this.#unsubscribe.push(this.#store.onRunnable(() => this.#claimSoon()))
    const every = (ms: number, work: () => Promise<unknown>) => {
      const timer = setInterval(() => void work().catch((error: unknown) => this.#log('background work failed', error)), ms)
      timer.unref()
      this.#timers.push(timer)
    }
    every(this.#claimIntervalMs, () => this.#claim())
    every(Math.max(50, Math.floor(this.leaseMs / 3)), () => this.#keepLeases())
    every(Math.max(50, Math.min(1000, Math.floor(this.#parkAfterMs / 4))), () => this.#parkIdle())
    every(this.#retention.sweepIntervalMs ?? 60_000, () => sweepRuns(this.#store, this.#retention))
    this.#webhooks.start()
    const first = { resumed: 0, failed: 0 }
    this.#firstClaim = first
    try {
      await this.#claim()
    } catch (error) {
      // The store is out of reach (the database is down): the claim timer keeps trying.
      this.#log('looking for runs failed; trying again', error)
    } finally {
      this.#firstClaim = null
    }
    return first
  }

  /** Executes a run this process just created with a lease for this worker. */
  adopt(run: RunRecord, lease: Lease): void {
    this.#listen()
    this.#execute(run, lease)
  }

  /** A run that finishes elsewhere (a cancel through any API process) stops here at once. */
  #listen(): void {
    if (this.#listening || this.#stopping) return
    this.#listening = true
    this.#unsubscribe.push(
      this.#store.onFinished((runId) => {
        const execution = this.#executing.get(runId)
        // Its own end, written by the execution itself, needs no stop (nor an error made for it).
        if (execution && !execution.finishing) execution.controller.abort(new RunCancelledError(runId))
      }),
    )
  }

  /**
   * Stops: nothing more is claimed, every run executing here is stopped where it is and its lease
   * released, so that it resumes at once elsewhere (or on the next start). Waits up to `graceMs`
   * for the workflows to unwind; one that ignores its signal is left behind, its writes refused.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe()
    for (const timer of this.#timers.splice(0)) clearInterval(timer)
    const executions = [...this.#executing.values()]
    for (const execution of executions) execution.controller.abort(new ServerStoppingError())
    let timer: NodeJS.Timeout | undefined
    const unwound = Promise.allSettled([...executions.map((execution) => execution.done), this.#webhooks.stop(graceMs)])
    await Promise.race([unwound, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))])
    clearTimeout(timer)
    // A run that cannot resume is left ready at once: the next worker to claim it marks it failed.
    await Promise.allSettled(
      executions.map((execution) => this.#store.releaseLease(execution.lease, { park: execution.resumable, wakeAt: execution.wakeAt })),
    )
  }

  #execute(run: RunRecord, lease: Lease): void {
    if (this.#stopping) return // the lease lapses and another worker (or the next start) takes the run
    const controller = new AbortController()
    const workflow = this.#registry.get(run.workflow)
    const resumable = workflow?.resume !== false
    const execution: Execution = {
      run,
      lease,
      resumable,
      controller,
      done: Promise.resolve(),
      waitingSince: null,
      wakeAt: null,
      finishing: false,
    }
    const monitor = {
      waiting: (kind: 'question' | 'sleep', until: number | null) => {
        execution.waitingSince = Date.now()
        execution.wakeAt = kind === 'sleep' ? until : null
      },
      active: () => {
        execution.waitingSince = null
        execution.wakeAt = null
      },
      finishing: () => {
        execution.finishing = true
      },
    }
    this.#executing.set(run.id, execution)
    const work = workflow
      ? executeRun({ store: this.#store, workflow, run, lease, controller, monitor, limits: this.#runLimits, llm: this.#llm })
      : this.#failUnresumable(run, lease, `this server has no workflow named "${run.workflow}"`)
    execution.done = work.finally(() => {
      if (this.#executing.get(run.id) === execution) this.#executing.delete(run.id)
      this.#claimSoon()
    })
  }

  /** Claims ready runs while there is room; one pass at a time (a call during a pass asks for another). */
  #claim(): Promise<number> {
    if (this.#claiming) {
      this.#claimAgain = true
      return this.#claiming
    }
    this.#claiming = (async () => {
      let total = 0
      try {
        do {
          this.#claimAgain = false
          for (;;) {
            const room = this.#maxRuns - this.#executing.size
            if (this.#stopping || room <= 0 || this.#overBudget()) break
            const limit = Math.min(room, 100)
            const claimed = await this.#store.claimRuns(this.id, { limit, leaseMs: this.leaseMs })
            for (const claim of claimed) this.#take(claim)
            total += claimed.length
            if (claimed.length < limit) break
          }
        } while (this.#claimAgain && !this.#stopping)
      } finally {
        this.#claiming = null
      }
      return total
    })()
    return this.#claiming
  }

  #claimSoon(): void {
    if (this.#started && !this.#stopping) void this.#claim().catch((error: unknown) => this.#log('claiming runs failed', error))
  }

  /** A claimed run: resumed, or failed when its workflow cannot resume it. */
  #take({ run, lease }: ClaimedRun): void {
    const workflow = this.#registry.get(run.workflow)
    const started = run.last_seq > 0
    if (workflow && workflow.resume === false && started) {
      void this.#failUnresumable(run, lease, 'its workflow does not resume (resume: false)')
      if (this.#firstClaim) this.#firstClaim.failed++
      return
    }
    if (this.#firstClaim) workflow ? this.#firstClaim.resumed++ : this.#firstClaim.failed++
    this.#execute(run, lease)
  }

  async #failUnresumable(run: RunRecord, lease: Lease, why: string): Promise<void> {
    const long = `Run was ${run.status} when the server restarted; ${why}, so it has been marked failed.`
    await transitionRun({ store: this.#store, run, lease }, { to: 'failed', short: INTERRUPTED, long }).catch((error: unknown) =>
      this.#log(`could not fail run ${run.id}`, error),
    )
  }

  /** Renews every lease held here; a run whose lease was lost (another worker took it) stops here at once. */
  async #keepLeases(): Promise<void> {
    const executions = [...this.#executing.values()]
    if (executions.length === 0) return
    const lost = await this.#store.renewLeases(
      this.id,
      executions.map((execution) => execution.lease),
      this.leaseMs,
    )
    for (const runId of lost) {
      const execution = this.#executing.get(runId)
      if (!execution || execution.controller.signal.aborted) continue
      console.error(`parley: worker ${this.id} lost its lease on run ${runId} (another worker took it over); it stops here`)
      execution.controller.abort(new LeaseLostError(runId))
    }
  }

  /**
   * Parks the runs that have waited `parkAfterMs` (all waiting runs, over the memory budget),
   * longest-waiting first and at most PARK_BATCH a turn: thousands falling due at once are parked
   * over a few seconds, not in one burst that would stall every request meanwhile.
   */
  async #parkIdle(): Promise<void> {
    const over = this.#overBudget()
    const now = Date.now()
    const idle = [...this.#executing.values()]
      .filter(
        (execution) =>
          execution.resumable &&
          execution.waitingSince !== null &&
          // Already being parked (or stopped): its execution is still unwinding.
          !execution.controller.signal.aborted &&
          (over || now - execution.waitingSince >= this.#parkAfterMs),
      )
      .sort((a, b) => (a.waitingSince ?? 0) - (b.waitingSince ?? 0))
      .slice(0, PARK_BATCH)
    await Promise.all(idle.map((execution) => this.#park(execution)))
  }

  async #park(execution: Execution): Promise<void> {
    execution.controller.abort(new RunParkedError(execution.run.id))
    await execution.done
    await this.#store.releaseLease(execution.lease, { park: true, wakeAt: execution.wakeAt })
  }

  #overBudget(): boolean {
    return this.#memoryBudget !== null && process.memoryUsage.rss() > this.#memoryBudget
  }

  #log(what: string, error: unknown): void {
    console.error(`parley: worker ${this.id}: ${what}:`, error instanceof Error ? error.message : error)
  }
}

/**
 * A worker for the workflows of a module, on a store other processes share: what `parley worker`
 * runs, for a worker in your own process.
 *
 * @example
 * const worker = createWorker({ workflows, store: createPostgresStore({ url: process.env.DATABASE_URL }) })
 * await worker.start()
 */
export function createWorker(options: Omit<WorkerOptions, 'registry'> & { workflows: Parameters<typeof createRegistry>[0] }): Worker {
  const { workflows, ...rest } = options
  return new Worker({ ...rest, registry: createRegistry(workflows) })
}
