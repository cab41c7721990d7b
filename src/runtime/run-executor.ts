import type { LlmSettings } from '../llm/llm-config.ts'
import type { Lease, RunRecord, Store } from '../store/store.ts'
import { JournalConflictError, LeaseLostError, RunFinishedError, StoreUnavailableError } from '../store/store.ts'
import type { Workflow, WorkflowContext } from './define-workflow.ts'
import { RunCancelledError } from './errors.ts'
import { RunJournal } from './journal.ts'
import type { ReplyAddressing } from './reply-stream.ts'
import { openReplyStream } from './reply-stream.ts'
import { describeCauses, describeThrown, loggedError, runtimeDraft } from './run-drafts.ts'
import type { RunEffects, RunMonitor } from './run-effects.ts'
import { createRunEffects } from './run-effects.ts'
import type { RunLimits } from './run-limits.ts'
import { DEFAULT_RUN_LIMITS, RunBudget } from './run-limits.ts'
import { runInScope } from './run-scope.ts'
import { transitionRun } from './run-status.ts'
import { createWorkflowLlm } from './workflow-llm.ts'
import { createWorkflowUI } from './workflow-ui.ts'

export interface Execution {
  store: Store
  workflow: Workflow
  run: RunRecord
  /** The executing worker's lease on the run; every write carries it. */
  lease: Lease | undefined
  /** Aborted by a cancel (the run is settled by `cancel`), a shutdown or parking (the run resumes later). */
  controller: AbortController
  monitor?: RunMonitor | undefined
  /** The server's limits on a run (a workflow's own `max_tokens_per_run` may lower the token budget). */
  limits?: RunLimits | undefined
  /** The deployment's model settings, asked for when the run first calls a model (`ctx.llm`, its agents). */
  llm: () => LlmSettings
}

/**
 * Executes a run to its end: from the top, the effects already in its journal replayed (a
 * resumed run catches up without emitting, calling or sleeping again), then live. It completes
 * the run, or fails it with an `error` message — never the server. A cancelled, parked or stopped
 * run is left as it is: cancel has settled it, and the others resume when a worker claims them again.
 */
export async function executeRun({ store, workflow, run, lease, controller, monitor, limits, llm }: Execution): Promise<void> {
  const { signal } = controller
  const fail = async (short: string, long: string | null) => {
    monitor?.finishing?.()
    await transitionRun({ store, run, lease }, { to: 'failed', short, long }).catch(() => undefined)
  }
  let journal: RunJournal | undefined
  const budget = new RunBudget(limitsOf(workflow, limits ?? DEFAULT_RUN_LIMITS), {
    messages: run.last_seq,
    tokens: run.usage.total_tokens,
  })
  try {
    const entries = await store.readJournal(run.id)
    if (entries.length === 0 && run.last_seq > 0) {
      // Messages with no journal: a run started by a Parley that kept none. Replaying would repeat them.
      const long = `Run was ${run.status} when the server restarted; it started before runs were journaled and cannot resume.`
      return await fail(INTERRUPTED, long)
    }
    journal = new RunJournal(entries, (divergence) => controller.abort(divergence), { keeps: workflow.resume !== false })
    const stop = (reason: Error) => controller.abort(reason)
    const effects = createRunEffects({ store, runId: run.id, signal, journal, lease, monitor, stop, budget })
    const started = runtimeDraft('workflow_started', { name: workflow.name, description: workflow.description, params: run.params })
    await transitionRun({ store, run, lease, emit: effects.emit }, { to: 'running', draft: started })
    const base = { runId: run.id, userId: run.user_id, signal }
    const ui = createWorkflowUI(effects)
    const ctx = workflowContext(base, effects, llm)
    const streamReply = (addressing: ReplyAddressing) =>
      openReplyStream(
        {
          store,
          runId: run.id,
          lastSeq: () => budget.lastSeq,
          emitText: ({ body, sender, recipient }, id) =>
            effects.emit({ type: 'text_message', content: { body }, sender, recipient, auto_reply: false }, undefined, id),
        },
        addressing,
      )
    const scope = { ...base, ui, perform: effects.perform, llm, streamReply }
    const returned: unknown = await runInScope(scope, () => workflow.run(ui, run.params, ctx))
    // A limit passed fails the run even when the workflow caught the error and went on.
    if (budget.breach) throw budget.breach
    journal.checkComplete()
    // Stopped (shutdown, parking) or cancelled while finishing: whatever it returned, it did not complete here.
    if (signal.aborted) return
    const result = typeof returned === 'string' ? returned : returned === undefined ? '' : JSON.stringify(returned)
    monitor?.finishing?.()
    await transitionRun({ store, run, lease }, { to: 'completed', result })
  } catch (error) {
    const divergence = journal?.divergence
    if (divergence) return await fail(divergence.message, divergence.detail)
    // Cancelled: settled by `cancel`. Parked or stopped: resumes when a worker claims it again.
    if (signal.aborted || error instanceof RunFinishedError || error instanceof RunCancelledError) return
    if (budget.breach) {
      console.error(`parley: run ${run.id} (${workflow.name}) failed: ${budget.breach.message}`)
      return await fail(`${budget.breach.name}: ${budget.breach.message}`, null)
    }
    if (error instanceof JournalConflictError || error instanceof LeaseLostError) {
      console.error(`parley: run ${run.id} is executed by another worker now; this execution stops`)
      return
    }
    if (error instanceof StoreUnavailableError) {
      console.error(`parley: run ${run.id} stops here: ${error.message}; it resumes from its journal when the store is back`)
      return
    }
    // The stack stays in the server's log: it names the server's files, which clients need not see.
    console.error(`parley: run ${run.id} (${workflow.name}) failed: ${loggedError(error)}`)
    const short = error instanceof Error ? `${error.name}: ${error.message}` : describeThrown(error)
    await fail(short, describeCauses(error))
  }
}

/** The server's limits, with the token budget lowered to the workflow's own when it sets one. */
function limitsOf(workflow: Workflow, limits: RunLimits): RunLimits {
  const own = workflow.max_tokens_per_run
  return own === undefined ? limits : { ...limits, maxTokensPerRun: Math.min(own, limits.maxTokensPerRun) }
}

/** The `short` of a run failed because it was interrupted and cannot resume. */
export const INTERRUPTED = 'The server stopped while this run was in flight'

function workflowContext(
  base: Pick<WorkflowContext, 'runId' | 'userId' | 'signal'>,
  effects: RunEffects,
  llm: () => LlmSettings,
): WorkflowContext {
  const { perform } = effects
  return {
    ...base,
    llm: createWorkflowLlm(perform, llm),
    step: (name, fn) => {
      if (typeof name !== 'string' || name === '') throw new TypeError('ctx.step needs a name: ctx.step("charge card", () => …)')
      return perform({ kind: 'step', name, args: { name }, summary: `ctx.step(${JSON.stringify(name)})` }, fn)
    },
    sleep: (ms) => effects.sleep(ms),
    now: () => perform({ kind: 'now', name: 'now', args: null, summary: 'ctx.now()' }, () => Date.now()),
    random: () => perform({ kind: 'random', name: 'random', args: null, summary: 'ctx.random()' }, () => Math.random()),
  }
}
