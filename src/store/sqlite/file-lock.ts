import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { Database } from './driver.ts'

/** Who holds a SQLite file, as it wrote itself into the file's `server_owner` row. */
export interface FileHolder {
  pid: number
  hostname: string
  started_at: string
}

/** A second server was pointed at a file a live server holds. The message is one line, for the CLI. */
export class SqliteFileInUseError extends Error {
  constructor(
    readonly path: string,
    readonly holder: FileHolder | null,
  ) {
    const who = holder ? `pid ${holder.pid} on ${holder.hostname}, since ${holder.started_at}` : 'pid unknown'
    super(`${path} is in use by another parley server (${who}); stop that server first, or give this one another file with --db`)
    this.name = 'SqliteFileInUseError'
  }
}

export interface FileLock {
  release(): void
}

/**
 * Makes this process the one server of the SQLite file at `path`, or throws SqliteFileInUseError.
 *
 * The lock is SQLite's own exclusive lock on `<path>.lock`, a tiny database opened with
 * `locking_mode = EXCLUSIVE` and never unlocked: the kernel holds it (POSIX fcntl) for as long as
 * this process lives and drops it when the process ends, however it ends — so a holder killed
 * with SIGKILL is taken over at once, and no pid file can go stale. It sits beside the database
 * rather than on it so that `sqlite3 parley.db` can still read a live server's data.
 */
export function lockSqliteFile(path: string): FileLock {
  const lockPath = `${path}.lock`
  const lock = new Database(lockPath, { timeout: 0 })
  try {
    lock.pragma('locking_mode = EXCLUSIVE')
    lock.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (id INTEGER PRIMARY KEY); COMMIT')
  } catch (error) {
    lock.close()
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new SqliteFileInUseError(resolve(path), readHolder(path))
    throw error
  }
  return { release: () => lock.close() }
}

/** Writes this process into the file as its holder (in the store's own transaction-free setup). */
export function recordHolder(db: Database): void {
  db.prepare(
    `INSERT INTO server_owner (id, pid, hostname, started_at) VALUES (1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, hostname = excluded.hostname, started_at = excluded.started_at`,
  ).run(process.pid, hostname(), new Date().toISOString())
}

/** The holder a live server recorded, read without disturbing it; null when it cannot be read. */
function readHolder(path: string): FileHolder | null {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 1000 })
    try {
      return (db.prepare('SELECT pid, hostname, started_at FROM server_owner WHERE id = 1').get() as FileHolder | undefined) ?? null
    } finally {
      db.close()
    }
  } catch {
    return null
  }
}
