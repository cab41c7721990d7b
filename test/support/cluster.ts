import pg from 'pg'
import { afterEach, beforeEach, describe } from 'vitest'
import type { CliProcess } from './cli-process.ts'
import { freePort, REPO, waitForOutput } from './cli-process.ts'
import type { ServerProcess } from './parley-process.ts'
import { cleanEnv, START_TIMEOUT_MS, useParleyProcesses } from './parley-process.ts'
import { DATABASE_URL, freshSchema, HAS_POSTGRES } from './postgres.ts'
import type { TcpProxy } from './tcp-proxy.ts'
import { startTcpProxy } from './tcp-proxy.ts'

/** `describe` where PostgreSQL is there (always on CI); skipped with the notice of postgres.ts elsewhere. */
export const describeWithPostgres = HAS_POSTGRES ? describe : describe.skip

export const DURABLE_MODULE = `${REPO}test/support/durable-workflows.ts`

/** What a test's cluster is: its processes, the schema they share, and the proxy they reach PostgreSQL through. */
export interface Cluster {
  readonly schema: string
  /** Between every process of this test and PostgreSQL: `cut()` is an outage for them alone. */
  readonly proxy: TcpProxy
  /** The environment every process of the cluster gets (`extra` on top). */
  env(extra?: Record<string, string>): Record<string, string>
  /** A DATABASE_URL through another proxy: give one process an outage of its own. */
  urlVia(proxy: TcpProxy): string
  /** `parley serve --no-worker` on a free port. */
  api(extra?: Record<string, string>): Promise<ServerProcess>
  /** `parley worker`, resolved once it says it is ready. */
  worker(extra?: Record<string, string>): Promise<CliProcess>
  /** `parley <args>` with the cluster's environment, as started (not waited for). */
  command(args: string[], extra?: Record<string, string>): CliProcess
  /** The pid of the worker process holding the run's lease (its id is `host:pid:…`), or null. */
  holderOf(runId: string): Promise<number | null>
  /**
   * Two API processes and a worker; the second API reaches PostgreSQL through a proxy of its own
   * (`own`, closed after the test): `own.cut()` is an outage for that process alone.
   */
  apisWithOneCuttable(): Promise<{ one: ServerProcess; two: ServerProcess; own: TcpProxy }>
}

/**
 * Registers the hooks of a multi-process test: a schema of its own (dropped after), a TCP proxy
 * in front of PostgreSQL, and every process it starts killed after the test.
 */
export function useCluster(defaults: Record<string, string> = {}): Cluster {
  const processes = useParleyProcesses()
  let proxy: TcpProxy | undefined
  const ownProxies: TcpProxy[] = []
  let fresh: ReturnType<typeof freshSchema> | undefined
  beforeEach(async () => {
    if (!DATABASE_URL) return
    const target = new URL(DATABASE_URL)
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
    fresh = freshSchema()
  })
  afterEach(async () => {
    for (const own of ownProxies.splice(0)) await own.close()
    await proxy?.close()
    await fresh?.drop()
  })
  const urlVia = (through: TcpProxy) => {
    if (!DATABASE_URL) throw new Error('no DATABASE_URL')
    const url = new URL(DATABASE_URL)
    url.hostname = '127.0.0.1'
    url.port = String(through.port)
    return url.toString()
  }
  const env = (extra: Record<string, string> = {}) => {
    if (!proxy || !fresh) throw new Error('the cluster is made in beforeEach')
    return { PARLEY_STORE: 'postgres', DATABASE_URL: urlVia(proxy), PARLEY_PG_SCHEMA: fresh.schema, ...defaults, ...extra }
  }
  return {
    get schema() {
      if (!fresh) throw new Error('the cluster is made in beforeEach')
      return fresh.schema
    },
    get proxy() {
      if (!proxy) throw new Error('the cluster is made in beforeEach')
      return proxy
    },
    env,
    urlVia,
    api: async (extra) => processes.serve([DURABLE_MODULE, '--no-worker'], await freePort(), env(extra)),
    async holderOf(runId) {
      if (!DATABASE_URL || !fresh) throw new Error('the cluster is made in beforeEach')
      const client = new pg.Client({ connectionString: DATABASE_URL })
      await client.connect()
      try {
        const { rows } = await client.query<{ lease_owner: string | null }>(
          `SELECT lease_owner FROM ${client.escapeIdentifier(fresh.schema)}.runs WHERE id = $1 AND ready_at > now()`,
          [runId],
        )
        const owner = rows[0]?.lease_owner
        return owner ? Number(owner.split(':')[1]) : null
      } finally {
        await client.end()
      }
    },
    command: (args, extra) => processes.run(args, cleanEnv(env(extra))),
    async apisWithOneCuttable() {
      if (!DATABASE_URL) throw new Error('no DATABASE_URL')
      const target = new URL(DATABASE_URL)
      const own = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
      ownProxies.push(own)
      const api = async (extra: Record<string, string> = {}) =>
        processes.serve([DURABLE_MODULE, '--no-worker'], await freePort(), env(extra))
      const [one, two] = await Promise.all([api(), api({ DATABASE_URL: urlVia(own) }), this.worker()])
      return { one, two, own }
    },
    async worker(extra) {
      const cli = processes.run(['worker', DURABLE_MODULE], cleanEnv(env(extra)))
      await waitForOutput(cli, /parley: worker \S+ ready/, START_TIMEOUT_MS)
      return cli
    },
  }
}
