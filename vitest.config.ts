import { defineConfig } from 'vitest/config'

const ON_CI = process.env.CI === 'true' || process.env.CI === '1'
const CONTRACT = ['test/contract/**/*.test.ts']

/**
 * The whole suite once, on the memory store where a test does not choose its own, and the contract
 * suite again on SQLite and on PostgreSQL: every operation answers the same on every backend.
 * PostgreSQL needs DATABASE_URL; without it (and not on CI, where it must run) it is left out.
 */
const contractOn = (store: 'sqlite' | 'postgres') => ({
  extends: true as const,
  test: { name: `contract (${store})`, include: CONTRACT, provide: { contractStore: store } },
})

export default defineConfig({
  test: {
    globalSetup: ['test/support/build-web-ui.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Browser and multi-process tests start servers and Chromium; two cores want few at once.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'parley',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'clients/**/*.test.ts'],
          provide: { contractStore: 'memory' },
        },
      },
      contractOn('sqlite'),
      ...(process.env.DATABASE_URL || ON_CI ? [contractOn('postgres')] : []),
    ],
  },
})
