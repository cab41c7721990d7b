import { AsyncLocalStorage } from 'node:async_hooks'
import type { Usage } from '../schemas/runs.ts'
import type { WorkflowUI } from './workflow-ui.ts'

/** What code running inside a workflow (an agent chat, a tool) can reach without being passed it. */
export interface RunScope {
  readonly runId: string
  readonly userId: string
  readonly signal: AbortSignal
  readonly ui: WorkflowUI
  /** Adds LLM token usage to the run's total (`Run.usage`). */
  recordUsage(usage: Usage): Promise<void>
}

const storage = new AsyncLocalStorage<RunScope>()

export function runInScope<T>(scope: RunScope, work: () => T): T {
  return storage.run(scope, work)
}

/** The run whose workflow is executing here; throws outside a workflow. */
export function currentRun(): RunScope {
  const scope = storage.getStore()
  if (!scope) throw new Error('not inside a running workflow: call this from a workflow’s run()')
  return scope
}
