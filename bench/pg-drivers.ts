import { parseArgs } from 'node:util'
import pg from 'pg'
import postgres from 'postgres'

/**
 * `npx tsx bench/pg-drivers.ts` — the measurement behind the choice of PostgreSQL driver (README:
 * "Why each runtime dependency"). Both drivers run the PostgreSQL store's hot path against the same
 * database, alternately, with the same pool size and concurrency: the append transaction (lock the
 * run, insert the message, update the run, notify) and the long-poll's read. It reports operations
 * per second and this process's CPU per operation (the driver's cost, which is what differs).
 *
 *   DATABASE_URL=postgres://127.0.0.1/test npx tsx bench/pg-drivers.ts [--seconds 5] [--rounds 3]
 */

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' } } })
const SECONDS = Number(values.seconds)
const ROUNDS = Number(values.rounds)
const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const POOL = 10
const CONCURRENCY = 20
const RUNS = 40
const SCHEMA = 'parley_driver_bench'
const BODY = JSON.stringify({ type: 'text_message', content: { body: 'x'.repeat(200) }, sender: 'Bench', recipient: 'User' })

interface Driver {
  name: string
  append(runId: string): Promise<void>
  read(runId: string, after: number): Promise<number>
  close(): Promise<void>
}

function withPg(): Driver {
  const pool = new pg.Pool({ connectionString: URL, max: POOL, options: `-c search_path=${SCHEMA}` })
  return {
    name: 'pg',
    async append(runId) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const { rows } = await client.query({ name: 'lock', text: 'SELECT last_seq FROM runs WHERE id = $1 FOR UPDATE', values: [runId] })
        const seq = (rows[0]?.last_seq ?? 0) + 1
        await client.query({
          name: 'insert',
          text: 'INSERT INTO messages (run_id, seq, body) VALUES ($1, $2, $3)',
          values: [runId, seq, BODY],
        })
        await client.query({ name: 'update', text: 'UPDATE runs SET last_seq = $2 WHERE id = $1', values: [runId, seq] })
        await client.query({ name: 'notify', text: "SELECT pg_notify('parley_bench', $1)", values: [runId] })
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK')
        throw error
      } finally {
        client.release()
      }
    },
    async read(runId, after) {
      const { rows } = await pool.query({
        name: 'read',
        text: 'SELECT body FROM messages WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT 100',
        values: [runId, after],
      })
      return rows.length
    },
    close: () => pool.end(),
  }
}

function withPostgresJs(): Driver {
  const sql = postgres(URL, { max: POOL, connection: { search_path: SCHEMA }, onnotice: () => undefined })
  return {
    name: 'postgres',
    async append(runId) {
      await sql.begin(async (tx) => {
        const [row] = await tx`SELECT last_seq FROM runs WHERE id = ${runId} FOR UPDATE`
        const seq = (row?.last_seq ?? 0) + 1
        await tx`INSERT INTO messages (run_id, seq, body) VALUES (${runId}, ${seq}, ${BODY})`
        await tx`UPDATE runs SET last_seq = ${seq} WHERE id = ${runId}`
        await tx`SELECT pg_notify('parley_bench', ${runId})`
      })
    },
    async read(runId, after) {
      const rows = await sql`SELECT body FROM messages WHERE run_id = ${runId} AND seq > ${after} ORDER BY seq LIMIT 100`
      return rows.length
    },
    close: () => sql.end(),
  }
}

async function setUp(): Promise<void> {
  const admin = new pg.Client({ connectionString: URL })
  await admin.connect()
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`)
  await admin.query(`SET search_path = ${SCHEMA}`)
  await admin.query('CREATE TABLE runs (id text PRIMARY KEY, last_seq int NOT NULL)')
  await admin.query('CREATE TABLE messages (run_id text NOT NULL, seq int NOT NULL, body text NOT NULL, PRIMARY KEY (run_id, seq))')
  for (let i = 0; i < RUNS; i++) await admin.query('INSERT INTO runs VALUES ($1, 0)', [`run-${i}`])
  await admin.end()
}

async function tearDown(): Promise<void> {
  const admin = new pg.Client({ connectionString: URL })
  await admin.connect()
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
  await admin.end()
}

/** CONCURRENCY loops, each an append then a read of its run, for SECONDS; ops/s and CPU µs per op. */
async function measure(driver: Driver): Promise<{ opsPerSecond: number; cpuMicrosPerOp: number }> {
  let ops = 0
  const deadline = performance.now() + SECONDS * 1000
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, index) => {
      const runId = `run-${index % RUNS}`
      let after = 0
      while (performance.now() < deadline) {
        await driver.append(runId)
        after += await driver.read(runId, after)
        ops += 2
      }
    }),
  )
  const used = process.cpuUsage(cpu)
  return { opsPerSecond: ops / SECONDS, cpuMicrosPerOp: (used.user + used.system) / ops }
}

await setUp()
const results: Record<string, { opsPerSecond: number[]; cpuMicrosPerOp: number[] }> = {}
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const make of round % 2 === 0 ? [withPg, withPostgresJs] : [withPostgresJs, withPg]) {
      const driver = make()
      await driver.read('run-0', 0) // connect and warm up outside the window
      const outcome = await measure(driver)
      await driver.close()
      const entry = results[driver.name] ?? { opsPerSecond: [], cpuMicrosPerOp: [] }
      results[driver.name] = entry
      entry.opsPerSecond.push(outcome.opsPerSecond)
      entry.cpuMicrosPerOp.push(outcome.cpuMicrosPerOp)
      process.stderr.write(
        `round ${round + 1} ${driver.name}: ${outcome.opsPerSecond.toFixed(0)} ops/s, ${outcome.cpuMicrosPerOp.toFixed(1)} µs CPU/op\n`,
      )
    }
  }
} finally {
  await tearDown()
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
console.log(`PostgreSQL drivers, ${ROUNDS} rounds of ${SECONDS} s, pool ${POOL}, ${CONCURRENCY} concurrent append+read loops (medians)`)
for (const [name, entry] of Object.entries(results)) {
  console.log(
    `  ${name.padEnd(9)} ${median(entry.opsPerSecond).toFixed(0).padStart(7)} ops/s  ${median(entry.cpuMicrosPerOp).toFixed(1).padStart(7)} µs CPU/op`,
  )
}
