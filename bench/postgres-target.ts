import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { SERVER_CPU } from './machine.ts'
import { PARLEY_BIN } from './parley-command.ts'
import type { Launched } from './processes.ts'
import { launch } from './processes.ts'
import type { SampledPart } from './target-sample.ts'

/** Where the bench's PostgreSQL is: DATABASE_URL, as for the tests. */
export const BENCH_DATABASE_URL = process.env.DATABASE_URL

/**
 * Parley on PostgreSQL as it is deployed: an API process (`serve --no-worker`) and a worker, both
 * on the server core (as SQLite's one process is), in a schema of their own dropped afterwards.
 * Their CPU is the target's; the PostgreSQL server's (its whole process group) is reported beside it.
 */
export async function postgresTarget(options: {
  port: number
  logFile: string
  profile: string | null
  env: NodeJS.ProcessEnv
}): Promise<{ api: Launched; parts: SampledPart[]; stop(): Promise<void> }> {
  if (!BENCH_DATABASE_URL) throw new Error('DATABASE_URL is not set')
  const schema = `bench_${Date.now().toString(36)}`
  const env = {
    ...options.env,
    PARLEY_STORE: 'postgres',
    DATABASE_URL: BENCH_DATABASE_URL,
    PARLEY_PG_SCHEMA: schema,
    PARLEY_PG_POOL_SIZE: '20',
  }
  const profile = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${options.profile}`] : []
  const node = (args: string[]) => ['node', ...profile, PARLEY_BIN, ...args]
  const repo = join(import.meta.dirname, '..')
  const worker = launch('parley-postgres worker', node(['worker', 'bench/workflows.ts']), {
    cwd: repo,
    env,
    cpu: SERVER_CPU,
    logFile: options.logFile.replace(/\.log$/, '-worker.log'),
  })
  const api = launch('parley-postgres', node(['serve', 'bench/workflows.ts', '--no-worker', '--port', String(options.port)]), {
    cwd: repo,
    env,
    cpu: SERVER_CPU,
    logFile: options.logFile,
  })
  const server = await postmasterPid()
  return {
    api,
    parts: [
      { name: 'api', pgid: api.pid, counted: true as const },
      { name: 'worker', pgid: worker.pid, counted: true as const },
      ...(server === null ? [] : [{ name: 'postgresql', tree: server, counted: false as const }]),
    ],
    async stop() {
      await worker.stop(3000)
      await dropSchema(schema)
    },
  }
}

/** The postmaster's pid (its process group holds every backend), from postmaster.pid in the data directory. */
async function postmasterPid(): Promise<number | null> {
  try {
    const client = new pg.Client({ connectionString: BENCH_DATABASE_URL })
    await client.connect()
    try {
      const { rows } = await client.query<{ setting: string }>("SELECT setting FROM pg_settings WHERE name = 'data_directory'")
      const pid = Number(readFileSync(join(rows[0]?.setting ?? '', 'postmaster.pid'), 'utf8').split('\n')[0])
      return Number.isInteger(pid) && pid > 0 ? pid : null
    } finally {
      await client.end()
    }
  } catch {
    return null
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`)
  } finally {
    await client.end()
  }
}
