import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'

/** A store as the tests see it: the `Store` interface plus its in-process wake-ups (`events`). */
export type TestStore = ReturnType<typeof createMemoryStore>

export interface OpenedStore {
  store: TestStore
  /** Removes what the store left on disk; call after the store (or the app owning it) is closed. */
  dispose(): void
}

/**
 * Every backend the tests run against, for `describe.each(STORE_BACKENDS)('… ($name)', …)`:
 * the promises of the store, and the HTTP behaviour resting on them, hold for each alike.
 */
export const STORE_BACKENDS: { name: string; open: () => OpenedStore }[] = [
  { name: 'memory', open: () => ({ store: createMemoryStore(), dispose: () => undefined }) },
  {
    name: 'sqlite',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-test-'))
      return { store: createSqliteStore(join(dir, 'parley.db')), dispose: () => rmSync(dir, { recursive: true, force: true }) }
    },
  },
]
