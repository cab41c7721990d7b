import { loadConfig } from '../config.ts'
import { createApp } from '../http/app.ts'
import { mountWebUI } from '../http/web-ui.ts'
import { serve } from '../server.ts'
import { parseCommandLine, portOption } from './arguments.ts'
import { CliError } from './cli-error.ts'
import { checkExposure, isLoopback, isWildcard } from './exposure.ts'
import { loadWorkflows } from './load-workflows.ts'
import { openStore, storeKindOf } from './open-store.ts'
import { reportOnSignal, stopOnSignals } from './stop-signals.ts'

const SERVE_USAGE = `Usage: parley serve [workflows.ts] [options]
  --port N          port to listen on (PORT, default 8008; 0: any free port)
  --host ADDRESS    address to listen on (PARLEY_HOST, default 127.0.0.1)
  --store KIND      sqlite, memory or postgres (PARLEY_STORE, default sqlite)
  --db PATH         the SQLite file (PARLEY_SQLITE_PATH, default .parley/parley.db)
  --no-worker       API only: workers (parley worker) execute the runs (PostgreSQL)
  --allow-no-auth   serve without API keys on an address other machines reach
Without a module, serves the example workflows. Environment: README, Configuration.`

/**
 * `parley serve [module] [--no-worker]`: the HTTP API, the docs and the web UI, and — unless
 * `--no-worker` — a worker executing runs in the same process.
 */
export async function serveCommand(args: string[]): Promise<void> {
  const config = loadConfig()
  const parsed = parseCommandLine(args, SERVE_USAGE, {
    port: { type: 'string' },
    host: { type: 'string' },
    store: { type: 'string' },
    db: { type: 'string' },
    'no-worker': { type: 'boolean', default: false },
    'allow-no-auth': { type: 'boolean', default: false },
  })
  if (!parsed) return
  const { values, positionals } = parsed
  const port = portOption(values.port, config.port)
  const hostname = values.host ?? config.host
  // Before anything is opened: an exposed server without keys does not start at all.
  const exposureWarning = checkExposure({
    host: hostname,
    authOn: config.apiKeys.size > 0,
    allowNoAuth: (values['allow-no-auth'] ?? false) || config.allowNoAuth,
  })
  const kind = storeKindOf(values.store, config)
  const apiOnly = values['no-worker'] ?? false
  if (apiOnly && kind !== 'postgres') {
    throw new CliError(
      `--no-worker needs a store that workers in other processes share (PARLEY_STORE=postgres); with ${kind} nobody would execute the runs`,
    )
  }
  const workflows = await loadWorkflows(positionals[0])
  const store = openStore(kind, config, values.db)
  const app = createApp({
    workflows,
    store,
    auth: { apiKeys: config.apiKeys },
    corsOrigins: config.corsOrigins,
    // The address it listens on is a name clients may use (a DNS-rebinding page cannot send it).
    allowedHosts: isWildcard(hostname) || isLoopback(hostname) ? config.allowedHosts : [...config.allowedHosts, hostname],
    publicUrl: config.publicUrl,
    limits: {
      maxActiveRunsPerUser: config.maxActiveRunsPerUser,
      ...config.sizeLimits,
      maxHeldPollsPerUser: config.maxHeldPollsPerUser,
      runsPerMinute: config.runsPerMinute,
      retentionMs: config.retention.retentionMs,
      maxRunAgeMs: config.retention.maxRunAgeMs,
    },
    mountUI: mountWebUI,
    llm: config.openai,
    worker: apiOnly ? false : config.worker,
    webhooks: config.webhooks,
  })
  const server = await serve(app, {
    port,
    hostname,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
  }).catch(async (error: NodeJS.ErrnoException) => {
    // Nothing was served: let go of the store (and its lock) before saying why, in one line.
    await app.close()
    if (error.code === 'EADDRINUSE') {
      throw new CliError(`port ${port} on ${hostname} is already in use: stop what listens there, or choose another with --port`)
    }
    if (error.code === 'EADDRNOTAVAIL') throw new CliError(`cannot listen on ${hostname}: no such address on this machine (--host)`)
    throw error
  })
  const role = apiOnly ? ', API only: workers execute the runs' : ''
  console.log(`parley: serving on ${server.listeningOn} (store: ${store.kind}${role}, workflows: ${app.runs.workflowNames().join(', ')})`)
  if (exposureWarning) console.error(exposureWarning)
  console.log(`parley: web UI at ${server.url}/ , API docs at ${server.url}/docs`)
  const { resumed, failed } = server.interrupted
  if (resumed + failed > 0) console.log(`parley: ${resumed} interrupted run(s) resumed, ${failed} marked failed`)
  reportOnSignal(() => app.runs.executingCount)
  stopOnSignals('the server: answering held polls, parking runs (they resume on the next start)', () => server.close())
}
