import { loadConfig } from '../config.ts'
import { MIGRATIONS } from '../store/postgres/migrations.ts'
import { StoreUnavailableError } from '../store/store.ts'
import { CliError } from './cli-error.ts'
import { openPostgres } from './open-store.ts'

/** `parley migrate`: brings the PostgreSQL schema up to date (servers and workers also do it when they start). */
export async function migrateCommand(): Promise<void> {
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
