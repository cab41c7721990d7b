import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { PostgresStore, PostgresStoreOptions } from '../../src/store/postgres/postgres-store.ts'
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts'

/**
 * PostgreSQL for the tests: `DATABASE_URL` (CI sets it; `.ci/run` starts the server). Without it
 * the PostgreSQL tests are skipped with a notice — except on CI, where they must run.
 */
export const DATABASE_URL = process.env.DATABASE_URL
const ON_CI = process.env.CI === 'true' || process.env.CI === '1'

if (!DATABASE_URL) {
  if (ON_CI) throw new Error('DATABASE_URL is not set: on CI the PostgreSQL tests must run (.ci/run sets it)')
  console.warn('PostgreSQL tests skipped: DATABASE_URL is not set (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)')
}

export const HAS_POSTGRES = DATABASE_URL !== undefined

/** A schema of its own for one test (so tests run in parallel and leave nothing), and how to drop it. */
export function freshSchema(): { schema: string; drop(): Promise<void> } {
  const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 20)}`
  return { schema, drop: () => dropSchema(schema) }
}

export async function dropSchema(schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${admin.escapeIdentifier(schema)} CASCADE`)
  } finally {
    await admin.end()
  }
}

/** A PostgreSQL store in a fresh schema of the test database. */
export function openPostgresStore(options: Partial<PostgresStoreOptions> = {}): {
  store: PostgresStore
  schema: string
  drop(): Promise<void>
} {
  if (!DATABASE_URL) throw new Error('no DATABASE_URL')
  const fresh = freshSchema()
  // No idle timers on pooled connections: the long-poll tests count the process's timers.
  return { store: createPostgresStore({ url: DATABASE_URL, schema: fresh.schema, poolSize: 5, idleTimeoutMs: 0, ...options }), ...fresh }
}
