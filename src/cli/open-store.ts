import type { ParleyConfig, StoreKind } from '../config.ts'
import { parseStoreKind } from '../config.ts'
import { createMemoryStore } from '../store/memory/memory-store.ts'
import type { PostgresStore } from '../store/postgres/postgres-store.ts'
import { createPostgresStore } from '../store/postgres/postgres-store.ts'
import { SqliteFileInUseError } from '../store/sqlite/file-lock.ts'
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts'
import type { Store } from '../store/store.ts'
import { CliError } from './cli-error.ts'

/** The store kind a command uses: `--store`, else `PARLEY_STORE`. */
export function storeKindOf(flag: string | undefined, config: ParleyConfig): StoreKind {
  if (flag === undefined) return config.store
  try {
    return parseStoreKind(flag, '--store')
  } catch (error) {
    throw new CliError((error as Error).message)
  }
}

/** Opens the store a command was asked for; what a user got wrong is a CliError. */
export function openStore(kind: StoreKind, config: ParleyConfig, sqlitePath: string | undefined): Store {
  switch (kind) {
    case 'memory':
      return createMemoryStore({ maxFinishedRuns: config.retention.memoryMaxFinishedRuns })
    case 'sqlite':
      try {
        return createSqliteStore(sqlitePath ?? config.sqlitePath)
      } catch (error) {
        if (error instanceof SqliteFileInUseError) throw new CliError(error.message)
        throw error
      }
    case 'postgres':
      return openPostgres(config)
    default: {
      const unreachable: never = kind
      throw new CliError(`unknown store ${String(unreachable)}`)
    }
  }
}

export function openPostgres(config: ParleyConfig): PostgresStore {
  const { url, schema, poolSize, connectTimeoutMs } = config.postgres
  if (!url) throw new CliError('PARLEY_STORE=postgres needs DATABASE_URL (e.g. postgres://user:password@host:5432/parley)')
  return createPostgresStore({ url, schema, poolSize, connectTimeoutMs })
}
