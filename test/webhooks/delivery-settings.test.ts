import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { DEFAULT_WEBHOOK_DELIVERY, retryDelayMs } from '../../src/runtime/webhooks/dispatcher.ts'

/** The retry schedule docs/webhooks.md promises, and the settings that change it. */

describe('the webhook retry schedule', () => {
  it('waits the base, then 4× longer each time up to 6 hours, give or take 20%', () => {
    const middle = (failures: number) => retryDelayMs(failures, DEFAULT_WEBHOOK_DELIVERY.retryBaseMs, 0.5)
    const schedule = Array.from({ length: 9 }, (_, index) => middle(index + 1))
    expect(schedule).toEqual([5000, 20_000, 80_000, 320_000, 1_280_000, 5_120_000, 20_480_000, 21_600_000, 21_600_000])
    // Nine waits between ten attempts: about 19.6 hours in all.
    expect(schedule.reduce((sum, wait) => sum + wait, 0) / 3_600_000).toBeCloseTo(19.56, 1)
    expect(retryDelayMs(1, 5000, 0)).toBe(4000)
    expect(retryDelayMs(1, 5000, 1)).toBe(6000)
  })
})

describe('PARLEY_WEBHOOK_* settings', () => {
  it('default to public targets only, 10 attempts, a 5 s first retry and a 10 s attempt timeout', () => {
    expect(loadConfig({}).webhooks).toEqual({ allowPrivate: false, maxAttempts: 10, retryBaseMs: 5000, timeoutMs: 10_000 })
  })

  it('are read from the environment, and a bad one is refused naming it', () => {
    const env = {
      PARLEY_WEBHOOK_ALLOW_PRIVATE: '1',
      PARLEY_WEBHOOK_MAX_ATTEMPTS: '3',
      PARLEY_WEBHOOK_RETRY_MS: '250',
      PARLEY_WEBHOOK_TIMEOUT_MS: '2000',
    }
    expect(loadConfig(env).webhooks).toEqual({ allowPrivate: true, maxAttempts: 3, retryBaseMs: 250, timeoutMs: 2000 })
    expect(() => loadConfig({ PARLEY_WEBHOOK_MAX_ATTEMPTS: 'many' })).toThrow(/PARLEY_WEBHOOK_MAX_ATTEMPTS/)
    expect(() => loadConfig({ PARLEY_WEBHOOK_ALLOW_PRIVATE: 'perhaps' })).toThrow(/PARLEY_WEBHOOK_ALLOW_PRIVATE/)
  })
})
