import { loadConfig } from '../config.ts'
import { createWorker } from '../runtime/worker.ts'
import { parseCommandLine } from './arguments.ts'
import { CliError } from './cli-error.ts'
import { loadWorkflows } from './load-workflows.ts'
import { openPostgres, storeKindOf } from './open-store.ts'
import { reportOnSignal, stopOnSignals } from './stop-signals.ts'

const WORKER_USAGE = `Usage: parley worker [workflows.ts] [--store postgres]
Executes the runs of API processes started with parley serve --no-worker, from the PostgreSQL
database DATABASE_URL names. Environment: README, Configuration.`

/**
 * `parley worker [module]`: executes runs that API processes (`parley serve --no-worker`) create
 * in a shared PostgreSQL store; as many as you like, on as many machines.
 */
export async function workerCommand(args: string[]): Promise<void> {
  const config = loadConfig()
  const parsed = parseCommandLine(args, WORKER_USAGE, { store: { type: 'string' } })
  if (!parsed) return
  const { values, positionals } = parsed
  const kind = storeKindOf(values.store ?? 'postgres', config)
  if (kind !== 'postgres') throw new CliError(`parley worker needs a store other processes share (postgres), not ${kind}`)
  const workflows = await loadWorkflows(positionals[0])
  const store = openPostgres(config)
  const { retentionMs, maxRunAgeMs } = config.retention
  const worker = createWorker({
    workflows,
    store,
    ...config.worker,
    llm: config.openai,
    runLimits: config.sizeLimits,
    retention: { retentionMs, maxRunAgeMs },
    webhooks: config.webhooks,
  })
  const { resumed, failed } = await worker.start()
  // The worker's own timers do not hold the process (they are unref'd): this does, until a stop signal.
  const alive = setInterval(() => undefined, 60_000)
  console.log(`parley: worker ${worker.id} ready (store: postgres, schema ${config.postgres.schema})`)
  if (resumed + failed > 0) console.log(`parley: ${resumed} run(s) taken over, ${failed} marked failed`)
  reportOnSignal(() => worker.executingCount)
  stopOnSignals('the worker: parking its runs (another worker resumes them)', async () => {
    await worker.stop()
    clearInterval(alive)
    await store.close()
  })
}
