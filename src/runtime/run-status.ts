import type { Message, MessageDraft } from '../schemas/messages.ts'
import type { RunStatus } from '../schemas/runs.ts'
import { isFinished } from '../schemas/runs.ts'
import type { Lease, RunRecord, Store } from '../store/store.ts'
import { ParleyError } from './errors.ts'
import { cancelledDrafts, completedDrafts, failureDrafts, failureError } from './run-drafts.ts'
import type { RunEffects } from './run-effects.ts'

/**
 * Where a run may go from each status: `queued → running ⇄ awaiting_input → completed | failed |
 * cancelled`. Finished runs never change. `running ⇄ awaiting_input` is made by the store, in the
 * same write as the question that causes it or the reply or expiry that ends it (src/store/store.ts);
 * every other change is made by `transitionRun`.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = Object.freeze({
  queued: ['running', 'completed', 'failed', 'cancelled'],
  // running → running: a resumed run announces its start again (a replay writes nothing).
  running: ['running', 'awaiting_input', 'completed', 'failed', 'cancelled'],
  awaiting_input: ['running', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
})

/** Whether a run may go from `from` to `to`. */
export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to)
}

/** The run to change: its status as last read, when known (the store refuses a finished run in the same write either way). */
export interface TransitionTarget {
  store: Store
  run: Pick<RunRecord, 'id'> & Partial<Pick<RunRecord, 'status'>>
  /** The executing worker's lease, when a worker makes the change (a fencing token). */
  lease?: Lease | undefined
}

/** The start is written with the message that announces it, through the run's journal (a resumed run replays it). */
export interface StartTarget extends TransitionTarget {
  emit: RunEffects['emit']
}

/** A run starts: `draft` (its `workflow_started`) is the message that carries the change. */
export type StartTransition = { to: 'running'; draft: MessageDraft }

/** A run ends: it completed with `result`, failed with an error (`short`, `long`), or was cancelled by its user. */
export type FinishTransition =
  | { to: 'completed'; result: string }
  | { to: 'failed'; short: string; long: string | null }
  | { to: 'cancelled' }

export type RunTransition = StartTransition | FinishTransition

/**
 * Changes a run's status: the one function that does, in the runtime. It refuses a change the
 * run's status does not allow (a finished run never changes: `run_not_active`), then writes it —
 * the start with its message through the run's journal, an end with its closing messages in one
 * store write (`finishRun`), which resolves to null when the run had finished meanwhile.
 *
 * @example
 * await transitionRun({ store, run }, { to: 'cancelled' }) // the cancelled run, or null: it had finished
 */
export function transitionRun(target: StartTarget, transition: StartTransition): Promise<Message>
export function transitionRun(target: TransitionTarget, transition: FinishTransition): Promise<RunRecord | null>
export async function transitionRun(
  target: TransitionTarget | StartTarget,
  transition: RunTransition,
): Promise<Message | RunRecord | null> {
  const { store, run, lease } = target
  const from = run.status
  if (from !== undefined && !canTransition(from, transition.to)) {
    const message = isFinished(from) ? `has already finished (${from})` : `cannot go from ${from} to ${transition.to}`
    throw new ParleyError('run_not_active', `Run "${run.id}" ${message}`)
  }
  const finishedAt = () => new Date().toISOString()
  switch (transition.to) {
    case 'running': {
      if (!('emit' in target)) throw new TypeError('a run starts through its effects: pass `emit`')
      return target.emit(transition.draft, { status: 'running' })
    }
    case 'completed': {
      const change = { status: 'completed' as const, result: transition.result, finished_at: finishedAt() }
      return store.finishRun(run.id, { drafts: completedDrafts(transition.result), change, questionStatus: 'expired', lease })
    }
    case 'failed': {
      const { short, long } = transition
      const change = { status: 'failed' as const, error: failureError(short, long), finished_at: finishedAt() }
      return store.finishRun(run.id, { drafts: failureDrafts(short, long), change, questionStatus: 'expired', lease })
    }
    case 'cancelled': {
      const change = { status: 'cancelled' as const, finished_at: finishedAt() }
      return store.finishRun(run.id, { drafts: cancelledDrafts(), change, questionStatus: 'cancelled', lease })
    }
    default: {
      const unreachable: never = transition
      throw new Error(`unexpected transition ${JSON.stringify(unreachable)}`)
    }
  }
}
