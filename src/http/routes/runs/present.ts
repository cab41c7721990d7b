import type { Run } from '../../../schemas/runs.ts'
import type { RunRecord } from '../../../store/store.ts'

/** The wire view of a run: what the server keeps for itself stays out. */
export function presentRun(record: RunRecord): Run {
  const { user_id: _user, idempotency_key: _key, request_hash: _hash, ...run } = record
  return run
}
