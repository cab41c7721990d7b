import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import type { CreateAppOptions, ParleyApp } from '../../src/http/app.ts'
import { createApp } from '../../src/http/app.ts'
import type { Workflow } from '../../src/runtime/define-workflow.ts'
import type { RunningServer } from '../../src/server.ts'
import { serve } from '../../src/server.ts'
import { createMemoryStore } from '../../src/store/memory/memory-store.ts'
import type { RunEvents } from '../../src/store/run-events.ts'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import type { Store } from '../../src/store/store.ts'
import { LateBound } from './late-bound.ts'
import { HAS_POSTGRES, openPostgresStore } from './postgres.ts'

/** A store as the tests see it: the `Store` interface plus its in-process wake-ups (`events`). */
export type TestStore = Store & { readonly events: RunEvents }

export interface OpenedStore {
  store: TestStore
  /** Removes what the store left (a file, a schema); call after the store (or the app owning it) is closed. */
  dispose(): void | Promise<void>
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
  // Each test in a schema of its own, dropped after; without DATABASE_URL (and not on CI) left out.
  ...(HAS_POSTGRES
    ? [
        {
          name: 'postgres',
          open: () => {
            const opened = openPostgresStore()
            return { store: opened.store, dispose: opened.drop }
          },
        },
      ]
    : []),
]

/**
 * Registers hooks that open a fresh store of `backend` before each test and close and dispose of
 * it after; returns the store, late-bound (read it inside tests).
 *
 * @example
 * describe.each(STORE_BACKENDS)('the $name store', (backend) => {
 *   const store = useOpenedStore(backend)
 *   it('…', async () => { await store.createRun(…) })
 * })
 */
export function useOpenedStore(backend: { open: () => OpenedStore }): TestStore {
  let opened: OpenedStore | undefined
  const store = new LateBound<TestStore>('the store')
  beforeEach(() => {
    opened = backend.open()
    store.current = opened.store
  })
  afterEach(async () => {
    await opened?.store.close()
    await opened?.dispose()
  })
  return store.value
}

/**
 * Registers hooks that give each test a fresh store of `backend` and a real server on loopback
 * serving `workflows` from it, then close the server and dispose of the store.
 *
 * @example
 * describe.each(STORE_BACKENDS)('the long-poll ($name store)', (backend) => {
 *   const { store, server } = useServedStore(backend, [greet])
 *   it('…', async () => { await startRun(server.url, 'greet') })
 * })
 */
export function useServedStore(
  backend: { open: () => OpenedStore },
  workflows: Workflow[],
  options: Omit<CreateAppOptions, 'workflows' | 'store'> = {},
): { store: TestStore; server: RunningServer; app: ParleyApp } {
  let opened: OpenedStore | undefined
  const store = new LateBound<TestStore>('the store')
  const server = new LateBound<RunningServer>('the server')
  const app = new LateBound<ParleyApp>('the app')
  beforeEach(async () => {
    opened = backend.open()
    store.current = opened.store
    app.current = createApp({ ...options, workflows, store: opened.store })
    server.current = await serve(app.current, { port: 0 })
  })
  afterEach(async () => {
    await server.current?.close()
    await opened?.dispose()
  })
  return { store: store.value, server: server.value, app: app.value }
}
