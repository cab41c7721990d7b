import type { Run } from '../../../schemas/runs.ts'
import type { RunRecord } from '../../../store/store.ts'
import { publicRun } from '../../../store/store.ts'

/** The wire view of a run: what the server keeps for itself stays out. */
export function presentRun(record: RunRecord): Run {
  return publicRun(record)
}
