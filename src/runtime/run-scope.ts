import { AsyncLocalStorage } from 'node:async_hooks'
import type { LlmSettings } from '../llm/llm-config.ts'
import type { ReplyAddressing, ReplyStream } from './reply-stream.ts'
import type { RunEffects } from './run-effects.ts'
import type { WorkflowUI } from './workflow-ui.ts'

/** What code running inside a workflow (an agent chat, a tool) can reach without being passed it. */
export interface RunScope {
  readonly runId: string
  readonly userId: string
  readonly signal: AbortSignal
  readonly ui: WorkflowUI
  /**
   * Does an effect once per run (an LLM completion, a tool call): a resumed run gets the journaled
   * result back instead; an LLM call's `usage` is added to `Run.usage` with it.
   */
  readonly perform: RunEffects['perform']
  /** The deployment's model settings (passed down from `createApp` / `createWorker`), read when an agent first calls its model. */
  readonly llm: () => LlmSettings
  /** Streams an agent's reply as it is generated (`text_delta`s), then stores it as its `text_message`. */
  readonly streamReply: (addressing: ReplyAddressing) => ReplyStream
}

const storage = new AsyncLocalStorage<RunScope>()

export function runInScope<T>(scope: RunScope, work: () => T): T {
  return storage.run(scope, work)
}

/** The run whose workflow is executing here, if any. */
export function activeRun(): RunScope | undefined {
  return storage.getStore()
}

/** The run whose workflow is executing here; throws outside a workflow. */
export function currentRun(): RunScope {
  const scope = storage.getStore()
  if (!scope) throw new Error('not inside a running workflow: call this from a workflow’s run()')
  return scope
}
