import type { Context } from 'hono'
import type { Run } from '../../../schemas/runs.ts'
import type { AppEnv } from '../../app-env.ts'
import { presentRun } from './present.ts'

/**
 * What both ways of starting a run share (createRun and the per-workflow endpoints): start it
 * as the caller, point `Location` at it, and say whether it is new (201) or an Idempotency-Key
 * replay (200).
 */
export async function startRequestedRun(
  c: Context<AppEnv>,
  request: { workflow: string; params: unknown; idempotencyKey: string | undefined },
): Promise<{ run: Run; created: boolean }> {
  const { run, created } = await c.var.runs.start({ userId: c.var.userId, ...request })
  c.header('Location', `/v1/runs/${run.id}`)
  return { run: presentRun(run), created }
}
