import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'clients/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Browser and multi-process tests start servers and Chromium; two cores want few at once.
    maxWorkers: 2,
  },
})
