import { loadConfig } from '../config.ts'
import { MIGRATIONS } from '../store/postgres/migrations.ts'
import { StoreUnavailableError } from '../store/store.ts'
import { parseCommandLine } from './arguments.ts'
import { CliError } from './cli-error.ts'
import { openPostgres } from './open-store.ts'

const MIGRATE_USAGE = `Usage: parley migrate
Brings the PostgreSQL schema (DATABASE_URL, PARLEY_PG_SCHEMA) up to date, once, before a deploy.`

/** `parley migrate`: brings the PostgreSQL schema up to date (servers and workers also do it when they start). */
export async function migrateCommand(args: string[]): Promise<void> {
  if (!parseCommandLine(args, MIGRATE_USAGE, {})) return
  const config = loadConfig()
  const store = openPostgres(config)
  try {
    const applied = await store.migrate().catch((error: unknown) => {
      // Down or unreachable: one line for the user, as every command's errors (no stack).
      throw error instanceof StoreUnavailableError ? new CliError(error.message) : error
    })
    const schema = config.postgres.schema
    console.log(
      applied.length === 0
        ? `parley: schema ${schema} is up to date (version ${MIGRATIONS.length})`
        : `parley: schema ${schema} migrated to version ${MIGRATIONS.length} (applied ${applied.join(', ')})`,
    )
  } finally {
    await store.close()
  }
}
