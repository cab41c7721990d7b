import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { createApp } from '../http/app.ts'
import { mountWebUI } from '../http/web-ui.ts'
import { serve } from '../server.ts'
import { createMemoryStore } from '../store/memory/memory-store.ts'
import { SqliteFileInUseError } from '../store/sqlite/file-lock.ts'
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts'

const USAGE = `Usage:
  parley serve [workflows.ts] [--port 8008] [--host 127.0.0.1] [--store sqlite|memory] [--db .parley/parley.db]
  parley ui --api http://localhost:8008 [--port 8888]   the web UI alone, on its own origin

Without a module, serves the example workflows. Environment: see the README (Configuration).`

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command === 'serve') return serveCommand(rest)
  if (command === 'ui') return (await import('./ui-command.ts')).uiCommand(rest)
  console.log(USAGE)
  process.exitCode = command === undefined || command === 'help' || command === '--help' ? 0 : 2
}

async function serveCommand(args: string[]): Promise<void> {
  const config = loadConfig()
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      store: { type: 'string' },
      db: { type: 'string' },
    },
  })
  const modulePath = positionals[0]
  const workflows = modulePath
    ? ((await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>)
    : await import('../examples/index.ts')
  const storeKind = values.store ?? config.store
  const store = storeKind === 'memory' ? createMemoryStore() : openSqlite(values.db ?? config.sqlitePath)
  if (!store) return

  const app = createApp({
    workflows,
    store,
    auth: { apiKeys: config.apiKeys },
    corsOrigins: config.corsOrigins,
    limits: { maxActiveRunsPerUser: config.maxActiveRunsPerUser },
    mountUI: mountWebUI,
  })
  const server = await serve(app, { port: values.port ? Number(values.port) : config.port, hostname: values.host ?? config.host })
  console.log(`parley: serving on ${server.url} (store: ${store.kind}, workflows: ${app.runs.workflowNames().join(', ')})`)
  console.log(`parley: web UI at ${server.url}/ , API docs at ${server.url}/docs`)
  const { resumed, failed } = server.interrupted
  if (resumed + failed > 0) console.log(`parley: ${resumed} interrupted run(s) resumed, ${failed} marked failed`)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`parley: ${signal}, stopping: answering held polls, parking runs (they resume on the next start)`)
    // A workflow that ignores its signal must not keep the process alive past what a deploy waits for.
    setTimeout(() => {
      console.error('parley: still stopping after 9 s; exiting now')
      process.exit(1)
    }, 9000).unref()
    await server.close()
    console.log('parley: stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  // Node exits on an unhandled rejection by default; one workflow's unawaited promise must not
  // take every other run down with it. Logged, and the server lives on.
  process.on('unhandledRejection', (reason) => console.error('parley: unhandled rejection (an unawaited promise in a workflow?)', reason))
}

/** The SQLite store, or null (with a one-line message and exit code 1) when another server holds the file. */
function openSqlite(path: string) {
  try {
    return createSqliteStore(path)
  } catch (error) {
    if (!(error instanceof SqliteFileInUseError)) throw error
    console.error(`parley: ${error.message}`)
    process.exitCode = 1
    return null
  }
}

await main(process.argv.slice(2))
