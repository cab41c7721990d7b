import type { Store } from '../store/store.ts'
import { transitionRun } from './run-status.ts'

/** How long runs are kept and how long one may go on; null: no bound. */
export interface RetentionOptions {
  /** Finished runs that finished longer ago than this are deleted with their messages (default 30 days). */
  retentionMs?: number | null
  /** An unfinished run created longer ago than this is failed, parked or not (default 30 days). */
  maxRunAgeMs?: number | null
  /** How often the sweep runs (default every minute). */
  sweepIntervalMs?: number
}

export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000
export const DEFAULT_MAX_RUN_AGE_MS = 30 * 24 * 60 * 60 * 1000

/** Runs deleted per store call, and calls per sweep at most: a backlog is worked off over a few sweeps. */
const DELETE_BATCH = 500
const DELETE_BATCHES_PER_SWEEP = 20
/** Runs failed for their age per sweep, at most. */
const EXPIRE_BATCH = 100

/**
 * One sweep of the store: deletes finished runs past the retention, in batches, and fails
 * unfinished runs past the maximum age — those a worker executes (it hears of the finish and
 * stops) and those parked in the store alike. Each is one indexed query when nothing is due.
 * Every process executing runs sweeps; two sweeping at once do no harm (a run is deleted or
 * failed once).
 */
export async function sweepRuns(store: Store, options: RetentionOptions, now = Date.now()): Promise<{ deleted: number; failed: number }> {
  let deleted = 0
  const retentionMs = options.retentionMs === undefined ? DEFAULT_RETENTION_MS : options.retentionMs
  if (retentionMs !== null) {
    const cutoff = new Date(now - retentionMs).toISOString()
    for (let batch = 0; batch < DELETE_BATCHES_PER_SWEEP; batch++) {
      const count = await store.deleteFinishedBefore(cutoff, DELETE_BATCH)
      deleted += count
      if (count < DELETE_BATCH) break
    }
  }
  let failed = 0
  const maxAgeMs = options.maxRunAgeMs === undefined ? DEFAULT_MAX_RUN_AGE_MS : options.maxRunAgeMs
  if (maxAgeMs !== null) {
    const short = `run exceeded its maximum age of ${describeDuration(maxAgeMs)}`
    const long = `A run may go on for at most ${describeDuration(maxAgeMs)} on this server (waiting for replies included); this one was failed.`
    for (const runId of await store.unfinishedBefore(new Date(now - maxAgeMs).toISOString(), EXPIRE_BATCH)) {
      // Unfinished when listed; one that finished since is left as it is (null).
      const finished = await transitionRun({ store, run: { id: runId } }, { to: 'failed', short, long })
      if (finished) failed++
    }
  }
  return { deleted, failed }
}

/** `30 days`, `12 hours`, `90 minutes`, `45 seconds`: the largest unit that divides it. */
export function describeDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ]
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms === size ? '' : 's'}`
  }
  return `${ms} ms`
}
