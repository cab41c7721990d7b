import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'

/** The SQLite file holds every run's params, messages and answers: only its owner reads it. */

let root: string
let umask: number
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'parley-perms-'))
  // The loosest umask there is: what Parley creates must be owner-only by its own doing.
  umask = process.umask(0)
})
afterEach(() => {
  process.umask(umask)
  rmSync(root, { recursive: true, force: true })
})

const modeOf = (path: string) => statSync(path).mode & 0o777

describe('the SQLite store on a fresh path', () => {
  it('creates its directories 0700 and the database, -wal, -shm and lock files 0600, whatever the umask', async () => {
    const path = join(root, 'data', 'parley', 'parley.db')
    const store = createSqliteStore(path)
    try {
      // A write, so that SQLite has made its -wal and -shm files.
      await store.createRun({
        user_id: 'alice',
        workflow: 'echo',
        params: {},
        idempotency_key: null,
        request_hash: null,
        max_active_runs: 10,
      })
      const files = [path, `${path}-wal`, `${path}-shm`, `${path}.lock`]
      expect(files.filter((file) => !existsSync(file))).toEqual([])
      expect(files.map((file) => [file, modeOf(file).toString(8)])).toEqual(files.map((file) => [file, '600']))
      const dirs = [join(root, 'data'), join(root, 'data', 'parley')]
      expect(dirs.map((dir) => modeOf(dir).toString(8))).toEqual(['700', '700'])
    } finally {
      await store.close()
    }
  })
})
