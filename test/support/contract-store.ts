import { afterEach, inject } from 'vitest'
import type { OpenedStore, TestStore } from './store-backends.ts'
import { STORE_BACKENDS } from './store-backends.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The backend the contract suite runs on in this vitest project (vitest.config.ts). */
    contractStore: 'memory' | 'sqlite' | 'postgres'
  }
}

/** The backend of this run of the contract suite: memory, sqlite or postgres. */
export const CONTRACT_STORE = inject('contractStore')

const opened: OpenedStore[] = []
// Registered before the test file's own hooks, so it runs after them (vitest runs after-hooks as a
// stack): the app owning the store has closed it by then.
afterEach(async () => {
  for (const store of opened.splice(0)) await store.dispose()
})

/**
 * A fresh store of this run's backend, removed after the test: `createApp({ workflows, ...contractStore() })`.
 * The app closes it; what it left (a file, a schema) is removed after the test.
 */
export function contractStore(): { store: TestStore } {
  const backend = STORE_BACKENDS.find((candidate) => candidate.name === CONTRACT_STORE)
  if (!backend) throw new Error(`no ${CONTRACT_STORE} backend here (is DATABASE_URL set?)`)
  const store = backend.open()
  opened.push(store)
  return { store: store.store }
}
