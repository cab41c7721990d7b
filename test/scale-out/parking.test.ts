import pg from 'pg'
import { expect, it } from 'vitest'
import type { CliProcess } from '../support/cli-process.ts'
import { describeWithPostgres, useCluster } from '../support/cluster.ts'
import { call } from '../support/contract.ts'
import { START_TIMEOUT_MS } from '../support/parley-process.ts'
import { DATABASE_URL } from '../support/postgres.ts'
import { waitFor } from '../support/wait-for.ts'

/** Thousands of runs waiting for people cost a worker no memory: they are parked, and resumed by their replies. */

// The default per-user limit is 1,000 active runs; these 2,000 belong to one (anonymous) user.
const cluster = useCluster({ PARLEY_PARK_AFTER_MS: '300', PARLEY_MAX_ACTIVE_RUNS: '100000', PARLEY_RUNS_PER_MINUTE: '0' })

/** The worker's live heap in KiB, after a full collection: asked for with SIGUSR2 (it runs with --expose-gc). */
async function liveHeapKiB(cli: CliProcess): Promise<number> {
  const reports = () => cli.output().match(/heap_used=(\d+)KiB \(after gc\)/g) ?? []
  const seen = reports().length
  cli.child.kill('SIGUSR2')
  await waitFor(() => reports().length > seen, 'a memory report', { detail: () => cli.output() })
  return Number(/(\d+)/.exec(reports().at(-1) ?? '')?.[1])
}

/** Runs of the cluster's schema by state: waiting parked (no lease), and held by a worker. */
async function census(): Promise<{ parked: number; held: number; completed: number }> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    const runs = `${client.escapeIdentifier(cluster.schema)}.runs`
    const { rows } = await client.query<{ parked: string; held: string; completed: string }>(
      `SELECT count(*) FILTER (WHERE status = 'awaiting_input' AND lease_owner IS NULL) AS parked,
              count(*) FILTER (WHERE lease_owner IS NOT NULL AND ready_at > now()) AS held,
              count(*) FILTER (WHERE status = 'completed') AS completed FROM ${runs}`,
    )
    const row = rows[0]
    return { parked: Number(row?.parked), held: Number(row?.held), completed: Number(row?.completed) }
  } finally {
    await client.end()
  }
}

/** Waits for the runs' census to show `done` (minutes are allowed: thousands of runs on a loaded machine). */
async function until(done: (counts: Awaited<ReturnType<typeof census>>) => boolean, what: string): Promise<void> {
  await waitFor(async () => done(await census()), what, { timeoutMs: 120_000, everyMs: 200, detail: census })
}

/** `count` one_question runs, created `batch` at a time; their ids. */
async function createRuns(url: string, count: number, batch = 50): Promise<string[]> {
  const ids: string[] = []
  for (let start = 0; start < count; start += batch) {
    const made = await Promise.all(
      Array.from(
        { length: Math.min(batch, count - start) },
        async () => (await call(url, 'POST', '/v1/runs', { body: { workflow: 'one_question' } })).body.id,
      ),
    )
    ids.push(...made)
  }
  return ids
}

describeWithPostgres('parked runs', () => {
  it(
    '2,000 runs parked awaiting input: the workers’ memory stays flat, and a reply to each resumes it on whichever worker claims it',
    async () => {
      // One worker while the runs pile up, so that its memory is measured alone.
      const [api, worker] = await Promise.all([cluster.api(), cluster.worker({ NODE_OPTIONS: '--expose-gc' })])
      if (!api || !worker) throw new Error('not started')

      // The first thousand warm the workers up (their heaps grow to their working size); the second must add nothing.
      const first = await createRuns(api.url, 1000)
      await until((counts) => counts.parked === 1000, '1,000 runs parked')
      const before = await liveHeapKiB(worker)
      const rest = await createRuns(api.url, 1000)
      await until((counts) => counts.parked === 2000, '2,000 runs parked')
      expect((await census()).held).toBe(0)
      const after = await liveHeapKiB(worker)
      const perRunKiB = (after - before) / 1000
      console.log(`worker live heap: ${before} KiB with 1,000 runs parked, ${after} KiB with 2,000: ${perRunKiB.toFixed(2)} KiB per run`)
      // Held in memory while it waits, a run costs a worker’s live heap about 18 KiB (measured with parking
      // off); parked, nothing that grows with their number.
      expect(perRunKiB).toBeLessThan(1)

      // A second worker; each reply makes its run ready for whichever worker claims it first.
      await cluster.worker()

      const ids = [...first, ...rest]
      for (let start = 0; start < ids.length; start += 50) {
        await Promise.all(
          ids.slice(start, start + 50).map(async (id, offset) => {
            const run = (await call(api.url, 'GET', `/v1/runs/${id}`)).body
            const reply = await call(api.url, 'POST', `/v1/runs/${id}/replies`, {
              body: { question_id: run.pending_question.id, answer: `reply ${start + offset}` },
            })
            expect(reply.status).toBe(201)
          }),
        )
      }
      await until((counts) => counts.completed === 2000, 'every run completed')
      for (const index of [0, 777, 1999]) {
        expect((await call(api.url, 'GET', `/v1/runs/${ids[index]}`)).body).toMatchObject({
          status: 'completed',
          result: `answered reply ${index}`,
        })
      }
    },
    START_TIMEOUT_MS * 8,
  )
})
