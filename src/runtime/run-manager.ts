import { createHash } from 'node:crypto'
import type { z } from 'zod'
import { createWorkflowLlm } from '../agents/workflow-llm.ts'
import type { Answer, Message, MessageDraft } from '../schemas/messages.ts'
import type { FieldError } from '../schemas/problem.ts'
import type { Usage } from '../schemas/runs.ts'
import { isFinished } from '../schemas/runs.ts'
import type { RunRecord, Store } from '../store/store.ts'
import { RunFinishedError } from '../store/store.ts'
import { answerProblem } from './answers.ts'
import type { Workflow } from './define-workflow.ts'
import { ParleyError, RunCancelledError } from './errors.ts'
import type { WorkflowRegistry } from './registry.ts'
import { createRunChannel } from './run-channel.ts'
import { runInScope } from './run-scope.ts'
import { createWorkflowUI } from './workflow-ui.ts'

export interface RunManagerOptions {
  registry: WorkflowRegistry
  store: Store
  /** Active (not finished) runs one user may have at once. */
  maxActiveRunsPerUser: number
}

export interface StartRun {
  userId: string
  workflow: string
  params: unknown
  idempotencyKey?: string | undefined
}

/**
 * Starts, executes, answers and cancels runs. Every effect a workflow has goes through the
 * store (the run's log), never around it, so the log alone tells what happened.
 */
export class RunManager {
  readonly #options: RunManagerOptions
  /** Runs executing in this process, by id: how cancel reaches their AbortSignal. */
  readonly #executing = new Map<string, { controller: AbortController; done: Promise<void> }>()

  constructor(options: RunManagerOptions) {
    this.#options = options
  }

  get store(): Store {
    return this.#options.store
  }

  workflowNames(): string[] {
    return this.#options.registry.list().map((workflow) => workflow.name)
  }

  workflowOrThrow(name: string): Workflow {
    const workflow = this.#options.registry.get(name)
    if (!workflow) throw new ParleyError('workflow_not_found', `No workflow named "${name}"`)
    return workflow
  }

  /** Validates params, creates the run (or returns the one an Idempotency-Key already made) and starts it. */
  async start(request: StartRun): Promise<{ run: RunRecord; created: boolean }> {
    const workflow = this.workflowOrThrow(request.workflow)
    const params = parseParams(workflow, request.params)
    const requestHash = request.idempotencyKey === undefined ? null : fingerprint(request.workflow, request.params)
    const outcome = await this.#options.store.createRun({
      user_id: request.userId,
      workflow: workflow.name,
      params,
      idempotency_key: request.idempotencyKey ?? null,
      request_hash: requestHash,
      max_active_runs: this.#options.maxActiveRunsPerUser,
    })
    switch (outcome.kind) {
      case 'created':
        this.#execute(workflow, outcome.run)
        return { run: outcome.run, created: true }
      case 'existing':
        if (outcome.run.request_hash !== requestHash) {
          throw new ParleyError('idempotency_key_mismatch', 'This Idempotency-Key was already used for a different request', [
            { field: 'header.idempotency-key', message: 'reused with another workflow or other params' },
          ])
        }
        return { run: outcome.run, created: false }
      case 'limit_reached':
        throw new ParleyError(
          'too_many_active_runs',
          `At most ${this.#options.maxActiveRunsPerUser} runs may be active at once (you have ${outcome.active}); finish or cancel one first`,
        )
      default: {
        const unreachable: never = outcome
        throw new Error(`unexpected outcome ${JSON.stringify(unreachable)}`)
      }
    }
  }

  /** The run if it exists and belongs to `userId`; anyone else gets the same 404 as for no run at all. */
  async getOwnedRun(userId: string, runId: string): Promise<RunRecord> {
    const run = await this.#options.store.getRun(runId)
    if (!run || run.user_id !== userId) throw new ParleyError('run_not_found', `No run with id "${runId}"`)
    return run
  }

  async cancel(userId: string, runId: string): Promise<RunRecord> {
    const run = await this.getOwnedRun(userId, runId)
    if (isFinished(run.status)) throw new ParleyError('run_not_active', `Run "${runId}" has already finished (${run.status})`)
    const cancelled = await this.#options.store.finishRun(
      runId,
      [
        systemDraft({ event: 'run_cancelled', reason: 'cancelled by the client' }),
        { type: 'workflow_completed', content: { result: null }, sender: null, recipient: null, auto_reply: false },
      ],
      { status: 'cancelled', finished_at: new Date().toISOString() },
      'cancelled',
    )
    if (!cancelled) {
      const latest = await this.getOwnedRun(userId, runId)
      throw new ParleyError('run_not_active', `Run "${runId}" has already finished (${latest.status})`)
    }
    this.#executing.get(runId)?.controller.abort(new RunCancelledError(runId))
    return cancelled
  }

  async reply(userId: string, runId: string, questionId: string, answer: Answer): Promise<{ reply: Message; created: boolean }> {
    await this.getOwnedRun(userId, runId)
    const store = this.#options.store
    const record = await store.getQuestion(runId, questionId)
    if (!record) throw new ParleyError('question_not_found', `Run "${runId}" has no question "${questionId}"`)
    const problem = answerProblem(record.question, answer)
    if (problem) throw new ParleyError('answer_invalid', problem, [{ field: 'body.answer', message: problem }])
    const outcome = await store.answerQuestion(runId, questionId, answer, record.question.recipient ?? 'user')
    switch (outcome.kind) {
      case 'answered':
        return { reply: outcome.reply, created: true }
      case 'duplicate':
        return { reply: outcome.reply, created: false }
      case 'not_pending':
        throw new ParleyError('question_not_pending', `Question "${questionId}" is ${outcome.status}, not pending`)
      case 'not_found':
        throw new ParleyError('question_not_found', `Run "${runId}" has no question "${questionId}"`)
      default: {
        const unreachable: never = outcome
        throw new Error(`unexpected outcome ${JSON.stringify(unreachable)}`)
      }
    }
  }

  /**
   * Settles runs a previous server left unfinished: they are marked failed with an `error`
   * message saying why, never left `running` forever. (Resuming them by replaying the log is
   * what the log-first design leaves room for.)
   */
  async recoverInterruptedRuns(): Promise<number> {
    const store = this.#options.store
    let settled = 0
    for (const run of await store.listUnfinishedRuns()) {
      if (this.#executing.has(run.id)) continue
      const short = 'The server stopped while this run was in flight'
      const long = `Run was ${run.status} when the server restarted; it cannot continue and has been marked failed.`
      const finished = await store.finishRun(run.id, failureDrafts(short, long), failureChange(short, long), 'expired')
      if (finished) settled++
    }
    return settled
  }

  /** Cancels what is executing here and waits for it to unwind (shutdown, tests). */
  async stop(): Promise<void> {
    for (const { controller } of this.#executing.values()) controller.abort(new Error('server shutting down'))
    await Promise.allSettled([...this.#executing.values()].map((entry) => entry.done))
  }

  /** How many runs execute in this process right now. */
  get executingCount(): number {
    return this.#executing.size
  }

  #execute(workflow: Workflow, run: RunRecord): void {
    const controller = new AbortController()
    const done = this.#runToEnd(workflow, run, controller).finally(() => this.#executing.delete(run.id))
    this.#executing.set(run.id, { controller, done })
  }

  async #runToEnd(workflow: Workflow, run: RunRecord, controller: AbortController): Promise<void> {
    const store = this.#options.store
    const { signal } = controller
    const base = { runId: run.id, userId: run.user_id, signal }
    try {
      await store.append(
        run.id,
        {
          type: 'workflow_started',
          content: { name: workflow.name, description: workflow.description, params: run.params },
          sender: null,
          recipient: null,
          auto_reply: false,
        },
        { status: 'running' },
      )
      const ui = createWorkflowUI(createRunChannel(store, run.id, signal))
      const recordUsage = usageRecorder(store, run)
      const ctx = { ...base, llm: createWorkflowLlm(signal, recordUsage) }
      const scope = { ...base, ui, recordUsage }
      const returned: unknown = await runInScope(scope, () => workflow.run(ui, run.params, ctx))
      const result = typeof returned === 'string' ? returned : returned === undefined ? '' : JSON.stringify(returned)
      await store.finishRun(
        run.id,
        [{ type: 'workflow_completed', content: { result }, sender: null, recipient: null, auto_reply: false }],
        { status: 'completed', result, finished_at: new Date().toISOString() },
        'expired',
      )
    } catch (error) {
      // A cancelled run was settled by `cancel`, and one stopped by shutdown is settled by the next
      // start's recovery; anything else fails the run, never the server.
      if (signal.aborted || error instanceof RunFinishedError || error instanceof RunCancelledError) return
      const short = error instanceof Error ? `${error.name}: ${error.message}` : describeThrown(error)
      // The stack stays in the server's log: it names the server's files, which clients need not see.
      console.error(`parley: run ${run.id} (${workflow.name}) failed:`, error)
      const long = describeCauses(error)
      await store.finishRun(run.id, failureDrafts(short, long), failureChange(short, long), 'expired').catch(() => undefined)
    }
  }
}

function parseParams(workflow: Workflow, raw: unknown): Record<string, unknown> {
  const parsed = (workflow.params as z.ZodType).safeParse(raw ?? {})
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((issue) => ({
      field: ['body', 'params', ...issue.path.map(String)].join('.'),
      message: issue.message,
    }))
    throw new ParleyError('validation_failed', `Invalid params for workflow "${workflow.name}"`, errors)
  }
  const value = parsed.data
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`workflow "${workflow.name}" params schema must produce an object`)
  }
  return value as Record<string, unknown>
}

/** Keeps a running total of the run's token usage and stores it after each LLM call. */
function usageRecorder(store: Store, run: RunRecord): (usage: Usage) => Promise<void> {
  let total = run.usage
  return async (usage) => {
    total = {
      prompt_tokens: total.prompt_tokens + usage.prompt_tokens,
      completion_tokens: total.completion_tokens + usage.completion_tokens,
      total_tokens: total.total_tokens + usage.total_tokens,
    }
    await store.updateRun(run.id, { usage: total })
  }
}

/** The `cause` chain of an error, one line each (`caused by …`), or null when it has none. */
function describeCauses(error: unknown): string | null {
  const lines: string[] = []
  let cause = error instanceof Error ? error.cause : undefined
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    lines.push(`caused by ${cause instanceof Error ? `${cause.name}: ${cause.message}` : describeThrown(cause)}`)
    cause = cause instanceof Error ? cause.cause : undefined
  }
  return lines.length > 0 ? lines.join('\n') : null
}

/** A readable line for a thrown non-Error: `throw { reason }` shows its reason, not "[object Object]". */
function describeThrown(value: unknown): string {
  try {
    const json = typeof value === 'object' && value !== null ? JSON.stringify(value) : undefined
    return json !== undefined && json !== '{}' ? json : String(value)
  } catch {
    // A cycle, a BigInt inside, or an object with no prototype: still never fail the failure path.
    return Object.prototype.toString.call(value)
  }
}

function fingerprint(workflow: string, params: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([workflow, params ?? {}]))
    .digest('hex')
}

function systemDraft(message: Record<string, unknown>): MessageDraft {
  return { type: 'system_message', content: { message }, sender: null, recipient: null, auto_reply: false }
}

function failureDrafts(short: string, long: string | null): MessageDraft[] {
  return [
    { type: 'error', content: { short, long }, sender: null, recipient: null, auto_reply: false },
    { type: 'workflow_completed', content: { result: null }, sender: null, recipient: null, auto_reply: false },
  ]
}

function failureChange(short: string, long: string | null) {
  return { status: 'failed' as const, error: { short, long }, finished_at: new Date().toISOString() }
}
