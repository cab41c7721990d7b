import type { components } from '../../generated/v1.d.ts'

export type RunStatus = components['schemas']['RunStatus']
/** The statuses a run ends in: nothing more is appended to its log after the message that says so. */
export type FinishedStatus = Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>

const FINISHED: ReadonlySet<RunStatus> = new Set<FinishedStatus>(['completed', 'failed', 'cancelled'])

/**
 * Whether a run with this status has finished (completed, failed or cancelled): the one copy every
 * client here uses (the typed client's cursor loop, the web UI, the tests' helpers, the bench).
 *
 * @example
 * const { data: run } = await client.GET('/v1/runs/{run_id}', { params: { path: { run_id } } })
 * if (run && isFinished(run.status)) console.log('done:', run.result ?? run.error?.message)
 */
export function isFinished(status: RunStatus): status is FinishedStatus {
  return FINISHED.has(status)
}
