import type { WorkflowRegistry } from '../runtime/registry.ts'
import type { RunManager } from '../runtime/run-manager.ts'
import type { Webhooks } from '../runtime/webhooks/webhooks.ts'

/** What every handler finds on `c.var`. */
export interface AppEnv {
  Variables: {
    userId: string
    runs: RunManager
    registry: WorkflowRegistry
    webhooks: Webhooks
  }
}
